"""Template filters for instants, in the site's time zone and saying which (cityplatform.timefmt):
`{{ at|when }}` → "03 Dec 2026, 17:05 GMT", `{{ at|clock }}` → "17:05 GMT"."""

from datetime import datetime

from django import template
from django.conf import settings

from cityplatform import timefmt

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    return timefmt.when(value, settings.TIME_ZONE) if isinstance(value, datetime) else ""


@register.filter
def clock(value: datetime | None) -> str:
    return timefmt.clock(value, settings.TIME_ZONE) if isinstance(value, datetime) else ""
