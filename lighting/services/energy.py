"""Energy (placeholder replaced below)."""
