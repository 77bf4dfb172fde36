"""The pure rules of lighting control (no database): programmes, calendars, sun times, and the
arbitration of overrides. Everything here is table-testable; `lighting.services.resolver`
loads the rows and calls these functions, one light at a time or in bulk."""
