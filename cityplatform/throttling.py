"""DRF throttles that count by the client's address as cityplatform.client_address sees it.

DRF's own `get_ident` believes X-Forwarded-For from anyone (it only trims it by NUM_PROXIES), so
a client that writes a new address in the header each time is never throttled.
"""

from rest_framework import throttling

from cityplatform.client_address import client_address


class ClientAddressIdent:
    def get_ident(self, request) -> str:
        return client_address(request)


class SimpleRateThrottle(ClientAddressIdent, throttling.SimpleRateThrottle):
    """Base of the platform's own throttles."""


class ScopedRateThrottle(ClientAddressIdent, throttling.ScopedRateThrottle):
    """The view's `throttle_scope` rate of REST_FRAMEWORK's DEFAULT_THROTTLE_RATES."""
