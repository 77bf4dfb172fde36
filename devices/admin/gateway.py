"""Admin pages for rejected device messages, commands and telemetry."""
