"""CAP 1.2 as data: the parser (safe XML, the vendored OASIS schema), areas as geometry, the
priority of an alert, and the documents the platform publishes. No database here."""
