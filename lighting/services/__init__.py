"""Writes of the lighting app, one module per sub-domain (import from the module itself):
`programmes` (programmes, calendars, groups, assignments), `overrides` (create, extend, cancel,
emergency mode), `override_boundaries` (their start and end, the sweep), `override_live` (their
live messages), `override_limits` (who may create or cancel which), `scopes` (a scope checked,
and its lights read), `config` (the configuration the resolver reads, cached), `resolver`
(levels and their explanations), `reconcile` (desired levels → commands), `energy`, `faults`.

Below them: `lighting.core` (pure rules) and `lighting.selectors` (reads); `lighting.tasks`
calls `override_boundaries`, `reconcile` and `faults`, and is called by `overrides` and
`programmes`."""
