"""Polled CAP feeds (Atom or RSS, as the Environment Agency's and the Met Office's): each
entry's CAP message, inline or at its link, received once (an entry seen before is skipped).
A feed that cannot be read says why on the feed (`last_ok`, `last_error`)."""

import logging
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, tostring

import requests
from django.conf import settings
from django.utils import timezone

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record, model_update
from emergency.cap.parse import CAP_NS, CapRefused, parse_xml
from emergency.choices import Origin, RefusalReason
from emergency.models import CapFeed
from emergency.selectors import feed_urls_seen, feeds_due
from emergency.services.inbound import Duplicate, cap_receive, refusal_record

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
FEED_FIELDS = ("url", "interval_s", "trusted", "enabled")


class FetchError(Exception):
    pass


def fetch(url: str, *, redirects: bool = True) -> bytes:
    """The body at this URL, at most CAP_MAX_BYTES, within CAP_FEED_TIMEOUT_S; FetchError."""
    limit = settings.CAP_MAX_BYTES
    try:
        with requests.get(
            url, timeout=settings.CAP_FEED_TIMEOUT_S, stream=True, allow_redirects=redirects
        ) as response:
            if response.is_redirect:
                raise FetchError(f"HTTP {response.status_code}: a link is not followed elsewhere")
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
            body = b""
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > limit:
                    raise FetchError(f"larger than {limit} bytes")
            return body
    except requests.RequestException as error:
        raise FetchError(f"{type(error).__name__}: {error}"[:500]) from None


def link_refusal(*, feed_url: str, href: str) -> str:
    """Why an entry's link is not followed, or '' when it may be: http(s) only, on the feed's
    host or one of CAP_FEED_LINK_HOSTS (the feed chooses its links; the city chose the feed)."""
    link = urlsplit(href)
    if link.scheme not in ("http", "https"):
        return f"the link {href[:200]!r} is not an http(s) address"
    allowed = {urlsplit(feed_url).hostname, *settings.CAP_FEED_LINK_HOSTS}
    if link.hostname not in allowed:
        return (
            f"the link points to {link.hostname!r}, not the feed's host; add it to "
            "CAP_FEED_LINK_HOSTS to follow such links"
        )
    return ""


def feed_entries(root: Element) -> list[tuple[str, bytes | None]]:
    """(link, inline CAP document or None) of each entry of an Atom feed or item of RSS."""
    found: list[tuple[str, bytes | None]] = []
    for entry in root.iter(f"{ATOM}entry"):
        inline = entry.find(f".//{{{CAP_NS}}}alert")
        links = entry.findall(f"{ATOM}link")
        chosen = next((li for li in links if li.get("type") in CAP_TYPES), None)
        chosen = chosen if chosen is not None else next(iter(links), None)
        href = chosen.get("href", "") if chosen is not None else ""
        if not href:
            href = (entry.findtext(f"{ATOM}id") or "").strip()
        found.append((href, tostring(inline) if inline is not None else None))
    for item in root.iter("item"):
        href = (item.findtext("link") or "").strip()
        enclosure = item.find("enclosure")
        if enclosure is not None and enclosure.get("type") in CAP_TYPES:
            href = enclosure.get("url", href)
        inline = item.find(f".//{{{CAP_NS}}}alert")
        found.append((href, tostring(inline) if inline is not None else None))
    return [(href, inline) for href, inline in found if href or inline]


def _receive(feed: CapFeed, url: str, body: bytes) -> str:
    try:
        cap_receive(
            body=body, origin=Origin.FEED, origin_name=feed.name, url=url, trusted=feed.trusted
        )
    except Duplicate:
        return "duplicate"
    except ApplicationError:  # refused: kept as a RefusedAlert with its reason
        return "refused"
    return "received"


def feed_poll(*, feed: CapFeed) -> dict[str, int]:
    """Reads the feed and receives each new entry's message. Counts by outcome."""
    counts = {"received": 0, "refused": 0, "duplicate": 0, "seen": 0}
    feed.last_polled_at = timezone.now()
    try:
        root = parse_xml(fetch(feed.url))
        entries = feed_entries(root)
    except (FetchError, CapRefused) as error:
        feed.last_ok, feed.last_error = False, str(error)[:500]
        feed.save(update_fields=["last_polled_at", "last_ok", "last_error"])
        log.warning("CAP feed %s could not be read: %s", feed.name, feed.last_error)
        return counts
    seen = feed_urls_seen(urls=[href for href, _ in entries if href])
    for href, inline in entries:
        if href and href in seen:
            counts["seen"] += 1
            continue
        if inline is None:
            try:
                if why := link_refusal(feed_url=feed.url, href=href):
                    raise FetchError(why)
                inline = fetch(href, redirects=False)
            except FetchError as error:
                refusal_record(
                    origin=Origin.FEED,
                    origin_name=feed.name,
                    reason=RefusalReason.FETCH,
                    detail=str(error),
                    body=b"",
                    url=href,
                )
                counts["refused"] += 1
                continue
        counts[_receive(feed, href, inline)] += 1
    feed.last_ok, feed.last_error = True, ""
    feed.save(update_fields=["last_polled_at", "last_ok", "last_error"])
    return counts


def feeds_poll_due() -> dict[str, dict[str, int]]:
    """Polls every enabled feed whose interval has passed (beat, every 30 s)."""
    return {feed.name: feed_poll(feed=feed) for feed in feeds_due(now=timezone.now())}


def feed_create(*, name: str, url: str, actor: Actor, **fields: Any) -> CapFeed:
    feed = CapFeed(name=name, url=url, **{k: v for k, v in fields.items() if k in FEED_FIELDS})
    feed.full_clean()
    feed.save()
    audit_record(actor=actor, action="emergency.feed_created", target=feed, details={"url": url})
    return feed


def feed_update(*, feed: CapFeed, data: dict[str, Any], actor: Actor) -> CapFeed:
    return model_update(
        instance=feed, data=data, allowed=FEED_FIELDS, actor=actor, action="emergency.feed_changed"
    )
