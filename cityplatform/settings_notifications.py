"""Settings of the notifications app (webhooks and e-mail to partners; docs/notifications.md)
and Django's mail settings, star-imported by settings.py, which is at its size limit. Each is
defined here once, with its default."""

from cityplatform.settings_env import env_bool, env_int, env_str

__all__ = [
    "DEFAULT_FROM_EMAIL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_HOST_USER",
    "EMAIL_PORT",
    "EMAIL_TIMEOUT",
    "EMAIL_USE_TLS",
    "NOTIFY_MAX_ATTEMPTS",
    "NOTIFY_RETRY_BACKOFF_MAX_S",
    "NOTIFY_RETRY_BACKOFF_S",
    "NOTIFY_WEBHOOK_TIMEOUT_S",
    "SERVER_EMAIL",
]

# E-mail goes through Django's mail backend: SMTP to EMAIL_HOST (STARTTLS with EMAIL_USE_TLS).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_S", 10)  # seconds an SMTP server may take to answer
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "alerts@city.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Deliveries (webhooks and e-mails): a webhook's time-out; after a failed attempt the next one
# waits NOTIFY_RETRY_BACKOFF_S, doubling each time up to NOTIFY_RETRY_BACKOFF_MAX_S; after
# NOTIFY_MAX_ATTEMPTS attempts the delivery is failed (an administrator may retry it).
NOTIFY_WEBHOOK_TIMEOUT_S = env_int("NOTIFY_WEBHOOK_TIMEOUT_S", 10)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6)
NOTIFY_RETRY_BACKOFF_S = env_int("NOTIFY_RETRY_BACKOFF_S", 30)
NOTIFY_RETRY_BACKOFF_MAX_S = env_int("NOTIFY_RETRY_BACKOFF_MAX_S", 3600)
