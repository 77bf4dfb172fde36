"""Settings of the emergency app (CAP 1.2 in and out; docs/emergency.md), star-imported by
settings.py, which is at its size limit. Each is defined here once, with its default."""

from cityplatform.settings_env import env_int, env_list, env_str

__all__ = [
    "CAP_FEED_LINK_HOSTS",
    "CAP_FEED_TIMEOUT_S",
    "CAP_FEED_TITLE",
    "CAP_MAX_BYTES",
    "CAP_PUSH_SOURCES",
    "CAP_SENDER",
    "CAP_ZONE_KINDS",
]

# The <sender> of the alerts the city publishes (CAP: a unique address, e.g. an e-mail address).
CAP_SENDER = env_str("CAP_SENDER", "alerts@city.example")
CAP_FEED_TITLE = env_str("CAP_FEED_TITLE", "City public alerts")
# A CAP message (pushed, polled, or a polled feed itself) larger than this is refused unread.
CAP_MAX_BYTES = env_int("CAP_MAX_BYTES", 512 * 1024)
# Seconds a feed (or an alert it links) may take to answer.
CAP_FEED_TIMEOUT_S = env_int("CAP_FEED_TIMEOUT_S", 10)
# A feed's entries link to their CAP messages: only links on the feed's own host are followed
# (a feed's content must not make the platform fetch from the internal network), and on these
# hosts too (e.g. a publisher whose feed and messages are on different hosts).
CAP_FEED_LINK_HOSTS = env_list("CAP_FEED_LINK_HOSTS", [])
# The webhook sources (cctv's EventSource names, their secrets and signatures) allowed to push
# CAP alerts to /api/v1/emergency/cap/; none by default.
CAP_PUSH_SOURCES = env_list("CAP_PUSH_SOURCES", [])
# The kinds of zone an alert's area is matched to (a ward-wide warning names wards, not every
# street in them); an alert that meets none of these but meets the city names the city zone.
CAP_ZONE_KINDS = ("ward", "venue", "high_risk_site", "park")
