"""Settings of the ngsi app (NGSI-LD subscriptions' notifications; docs/ngsi-ld.md),
star-imported by settings.py, which is at its size limit. Each is defined here once, with its
default."""

from cityplatform.settings_env import env_float, env_int

__all__ = ["NGSI_NOTIFY_BACKOFF_S", "NGSI_NOTIFY_RETRIES", "NGSI_NOTIFY_TIMEOUT_S"]

# A notification's HTTP time-out (s), the retries of a failed one, their first backoff (s,
# doubling).
NGSI_NOTIFY_TIMEOUT_S = env_float("NGSI_NOTIFY_TIMEOUT_S", 5.0)
NGSI_NOTIFY_RETRIES = env_int("NGSI_NOTIFY_RETRIES", 3)
NGSI_NOTIFY_BACKOFF_S = env_float("NGSI_NOTIFY_BACKOFF_S", 1.0)
