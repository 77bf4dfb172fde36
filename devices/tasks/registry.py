"""Registry tasks: telemetry retention, proximity upkeep."""
