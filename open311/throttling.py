"""Rate limits of the public side, per client address (cityplatform.client_address): the
GeoReport reads and posts, and the /report/ page. Rates are settings (OPEN311_*_RATE), read
when a request is counted (so a test may change them)."""

from django.conf import settings

from cityplatform.throttling import SimpleRateThrottle


class _Open311Throttle(SimpleRateThrottle):
    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ReadThrottle(_Open311Throttle):
    scope = "open311_read"

    def get_rate(self) -> str:
        return settings.OPEN311_READ_RATE


class PostThrottle(_Open311Throttle):
    scope = "open311_post"

    def get_rate(self) -> str:
        return settings.OPEN311_POST_RATE


class ReportPageThrottle(_Open311Throttle):
    scope = "open311_report"

    def get_rate(self) -> str:
        return settings.OPEN311_REPORT_RATE


def throttled_for(throttle: SimpleRateThrottle, request) -> int | None:
    """None when the request may go on; else the seconds to wait."""
    if throttle.allow_request(request, None):
        return None
    return int(throttle.wait() or 60) + 1
