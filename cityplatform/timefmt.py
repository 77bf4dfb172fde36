"""The one way the platform writes an instant for people: in the site's time zone (TIME_ZONE),
saying which: "03 Dec 2026, 17:05 GMT" (`when`), "17:05 GMT" (`clock`). Pure functions; the
pages' filters (dashboards/templatetags/city_time.py) and their scripts (CityTime in
dashboards/static/dashboards/time.js, given the zone's name by the page) write the same."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(at: datetime, tz_name: str) -> datetime:
    return at.astimezone(_zone(tz_name))


def when(at: datetime | None, tz_name: str) -> str:
    """Date and time, e.g. "03 Dec 2026, 17:05 GMT" ("" for None)."""
    if at is None:
        return ""
    t = local(at, tz_name)
    return f"{t:%d %b %Y}, {t:%H:%M} {t:%Z}"


def clock(at: datetime | None, tz_name: str) -> str:
    """Time of day, e.g. "17:05 GMT" ("" for None)."""
    if at is None:
        return ""
    t = local(at, tz_name)
    return f"{t:%H:%M} {t:%Z}"
