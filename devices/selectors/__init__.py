"""Reads of the devices app, one module per sub-domain (import from the module itself)."""
