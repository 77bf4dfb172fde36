"""Writes of the lighting app, one module per sub-domain (import from the module itself):
`programmes` (programmes, calendars, groups, assignments), `overrides`, `resolver` (levels and
their explanations), `reconcile` (desired levels → commands), `energy`, `faults`."""
