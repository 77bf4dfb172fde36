"""The one answer to "which address is this client?", for every rate limit and the sign-in lockout.

X-Forwarded-For is whatever the client wrote, unless a proxy we run wrote it: the header is read
only when the connection's peer is one of TRUSTED_PROXIES (default none). Then the client is the
right-most address of the chain that is not itself a trusted proxy: every proxy appends the
address it received the request from, so the entries left of it are the client's own words.
django-ipware's parser reads the chain (ports, IPv6 brackets, IPv4-mapped IPv6 addresses).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from python_ipware.modern.parsers import parse_ip, split_proxy_chain

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or (behind a trusted proxy) the forwarded one."""
    meta = getattr(request, "META", {})
    peer_text = str(meta.get("REMOTE_ADDR", ""))
    peer = parse_ip(peer_text)
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if peer is None or not networks or not _trusted(peer, networks):
        return str(peer) if peer is not None else peer_text
    chain = split_proxy_chain(meta.get("HTTP_X_FORWARDED_FOR"), False) or []
    for address in reversed(chain):
        if not _trusted(address, networks):
            return str(address)
    # Only proxies in the chain (or none): the left-most hop is as near the client as we know.
    return str(chain[0]) if chain else str(peer)
