"""Writes of the open311 app, one module per job (import from the module itself)."""
