"""The lighting app's REST API (mounted under /api/v1/lighting/)."""
