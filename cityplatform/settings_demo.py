"""Settings of `make demo` (manage.py demo) and of the TALQ CMS API (docs/talq.md),
star-imported by settings.py, which is at its size limit. Each is defined here once, with its
default."""

from cityplatform.settings_env import env_float, env_int, env_str

__all__ = [
    "DEMO_HOST",
    "DEMO_OPCUA_PORT",
    "DEMO_PORT",
    "DEMO_STORM_AFTER_S",
    "TALQ_CMS_ADDRESS",
]

# --- `make demo` (manage.py demo) ---------------------------------------------------------------
DEMO_HOST = env_str("DEMO_HOST", "127.0.0.1")
DEMO_PORT = env_int("DEMO_PORT", 8000)
DEMO_OPCUA_PORT = env_int("DEMO_OPCUA_PORT", 4841)  # its two simulated controllers: this and +1
# A storm on the simulated river gauges this many seconds after the demo starts (empty: none).
DEMO_STORM_AFTER_S = env_float("DEMO_STORM_AFTER_S", 0) if env_str("DEMO_STORM_AFTER_S") else None

# --- TALQ ---------------------------------------------------------------------------------------
# TALQ 2.7.1 CMS API under /talq/v2/ (docs/talq.md): the platform's own TALQ address, the
# `ownerCMS` of the groups and logger configs it serves.
TALQ_CMS_ADDRESS = env_str("TALQ_CMS_ADDRESS", "8a3d6c1e-5b7f-4e2a-9c41-0d2f6e8b7a15")
