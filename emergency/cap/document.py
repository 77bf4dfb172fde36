"""The CAP 1.2 documents the city publishes, and their Atom feed: written with ElementTree
(only written here, never parsed), from plain values."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from emergency.cap.parse import CAP_NS

ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class OutArea:
    desc: str
    boundary: Any  # a GeoJSON Polygon or MultiPolygon (lon, lat), or None


@dataclass(frozen=True)
class OutAlert:
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    references: str  # "sender,identifier,sent …", "" for an Alert
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    expires: datetime | None
    web: str
    areas: Sequence[OutArea]


def cap_time(at: datetime) -> str:
    """CAP's form: seconds, an explicit offset, no "Z" ("2026-12-03T16:00:00+00:00")."""
    return at.astimezone(UTC).replace(microsecond=0).isoformat()


def cap_reference(*, sender: str, identifier: str, sent: datetime) -> str:
    return f"{sender},{identifier},{cap_time(sent)}"


def _polygons(boundary: Any) -> list[str]:
    if not boundary:
        return []
    polygons = (
        [boundary["coordinates"]]
        if boundary.get("type") == "Polygon"
        else boundary.get("coordinates", [])
    )
    found = []
    for polygon in polygons:
        ring = [tuple(point[:2]) for point in polygon[0]]
        if ring and ring[0] != ring[-1]:
            ring.append(ring[0])
        if len(ring) >= 4:
            found.append(" ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in ring))
    return found


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def cap_document(alert: OutAlert) -> bytes:
    """The alert as a CAP 1.2 XML document (status Actual, scope Public, one info in en-GB)."""
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "scope", "Public")
    if alert.references:
        _sub(root, "references", alert.references)
    info = _sub(root, "info")
    _sub(info, "language", "en-GB")
    _sub(info, "category", alert.category)
    _sub(info, "event", alert.event)
    if alert.msg_type == "Cancel":
        _sub(info, "responseType", "AllClear")
    _sub(info, "urgency", alert.urgency)
    _sub(info, "severity", alert.severity)
    _sub(info, "certainty", alert.certainty)
    if alert.expires is not None:
        _sub(info, "expires", cap_time(alert.expires))
    _sub(info, "senderName", alert.sender)
    _sub(info, "headline", alert.headline)
    if alert.description:
        _sub(info, "description", alert.description)
    if alert.instruction:
        _sub(info, "instruction", alert.instruction)
    if alert.web:
        _sub(info, "web", alert.web)
    for out in alert.areas:
        area = _sub(info, "area")
        _sub(area, "areaDesc", out.desc)
        for polygon in _polygons(out.boundary):
            _sub(area, "polygon", polygon)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)


@dataclass(frozen=True)
class FeedEntry:
    identifier: str
    title: str
    summary: str
    updated: datetime
    href: str


def atom_feed(
    *, feed_id: str, title: str, self_href: str, entries: Sequence[FeedEntry], now: datetime
) -> bytes:
    """An Atom feed (RFC 4287) whose entries link their CAP documents (application/cap+xml)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})  # unprefixed names, the default namespace

    def sub(parent, name, text=None, **attrs):
        element = ET.SubElement(parent, name, attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", cap_time(max((e.updated for e in entries), default=now)))
    sub(feed, "link", rel="self", href=self_href)
    author = sub(feed, "author")
    sub(author, "name", title)
    for entry in entries:
        item = sub(feed, "entry")
        sub(item, "id", entry.identifier)
        sub(item, "title", entry.title)
        sub(item, "updated", cap_time(entry.updated))
        sub(item, "summary", entry.summary)
        sub(item, "link", rel="alternate", type="application/cap+xml", href=entry.href)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
