"""The pure rules of lighting control (no database): programmes, calendars, sun times
(`schedule`), the arbitration of overrides (`arbitration`), what an override's scope covers
(`scope`), energy and profiles. Everything here is table-testable; `lighting.services` and
`lighting.selectors` load the rows and call these functions, one light at a time or in bulk."""
