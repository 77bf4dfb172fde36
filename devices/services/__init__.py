"""Writes of the devices app, one module per sub-domain (import from the module itself):
`registry` (zones, assets, import, proximity), `commands` (the command life-cycle),
`telemetry` and `status` (what the gateway stores)."""
