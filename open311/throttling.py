"""Rate limits of the public side, per client address (cityplatform.client_address): the
GeoReport reads and posts, and the /report/ page. Rates are settings (OPEN311_*_RATE)."""

from django.conf import settings

from cityplatform.throttling import SimpleRateThrottle


class _Open311Throttle(SimpleRateThrottle):
    setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.setting)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ReadThrottle(_Open311Throttle):
    scope, setting = "open311_read", "OPEN311_READ_RATE"


class PostThrottle(_Open311Throttle):
    scope, setting = "open311_post", "OPEN311_POST_RATE"


class ReportPageThrottle(_Open311Throttle):
    scope, setting = "open311_report", "OPEN311_REPORT_RATE"


def throttled_for(throttle: SimpleRateThrottle, request) -> int | None:
    """None when the request may go on; else the seconds to wait."""
    if throttle.allow_request(request, None):
        return None
    return int(throttle.wait() or 60) + 1
