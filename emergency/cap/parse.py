"""A CAP 1.2 message from bytes: parsed safely (defusedxml, no DTD at all: no entity expansion,
no external reference), validated against the vendored OASIS schema (xmlschema), then read
into a `CapMessage`. Anything else is a `CapRefused` naming the reason."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import islice
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
import xmlschema

from emergency.choices import RefusalReason

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "CAP-v1.2.xsd"
_NS = {"cap": CAP_NS}


class CapRefused(Exception):
    def __init__(self, reason: RefusalReason, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail[:2000]


@dataclass(frozen=True)
class Area:
    desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # rings of (lat, lon)
    circles: tuple[tuple[float, float, float], ...] = ()  # (lat, lon, radius km)
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)

    def as_json(self) -> dict:
        return {
            "desc": self.desc,
            "polygons": [[list(p) for p in ring] for ring in self.polygons],
            "circles": [list(c) for c in self.circles],
            "geocodes": [list(g) for g in self.geocodes],
        }


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: tuple[tuple[str, str, str], ...] = ()  # (sender, identifier, sent)
    event: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    effective: datetime | None = None
    expires: datetime | None = None
    areas: tuple[Area, ...] = field(default_factory=tuple)


@cache
def cap_schema() -> xmlschema.XMLSchema:
    """The OASIS CAP 1.2 schema, loaded once (emergency/schemas/README.md says where from)."""
    return xmlschema.XMLSchema(str(SCHEMA_PATH))


# CAP nests five deep (alert/info/area/geocode/value); a feed adds its own few. Deeper is
# refused: ElementTree's serialiser and the schema check recurse once per level.
MAX_DEPTH = 64


def parse_xml(body: bytes) -> Element:
    """The document's root element; CapRefused for malformed, forbidden or too deep XML."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True)
    except defusedxml.DefusedXmlException as error:
        raise CapRefused(RefusalReason.FORBIDDEN_XML, f"{type(error).__name__}: {error}") from None
    except (ParseError, ValueError) as error:
        raise CapRefused(RefusalReason.NOT_XML, str(error)) from None
    stack = [(root, 1)]
    while stack:  # iteratively: a recursive walk is what the limit protects
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CapRefused(
                RefusalReason.FORBIDDEN_XML, f"elements nested more than {MAX_DEPTH} deep"
            )
        stack.extend((child, depth + 1) for child in element)
    return root


def validate(root: Element) -> None:
    """CapRefused(SCHEMA) naming the first problems when the element is not a CAP 1.2 alert."""
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapRefused(
            RefusalReason.SCHEMA, f"the root element is {root.tag}, not a CAP 1.2 alert"
        )
    problems = [f"{e.path}: {e.reason}" for e in islice(cap_schema().iter_errors(root), 5)]
    if problems:
        raise CapRefused(RefusalReason.SCHEMA, "; ".join(problems))


def _text(element: Element | None, name: str) -> str:
    found = None if element is None else element.find(f"cap:{name}", _NS)
    return (found.text or "").strip() if found is not None else ""


def _instant(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pairs(element: Element, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (_text(item, "valueName"), _text(item, "value"))
        for item in element.findall(f"cap:{name}", _NS)
    )


def _polygon(text: str) -> tuple[tuple[float, float], ...]:
    """CAP: at least four "lat,lon" pairs separated by spaces, the first and last the same."""
    try:
        points = tuple(
            (float(lat), float(lon)) for lat, lon in (p.split(",") for p in text.split())
        )
    except ValueError:
        raise CapRefused(
            RefusalReason.BAD_AREA, f"polygon {text[:80]!r}: not lat,lon pairs"
        ) from None
    if len(points) < 4 or points[0] != points[-1]:
        raise CapRefused(
            RefusalReason.BAD_AREA, f"polygon {text[:80]!r}: needs 4 pairs, the last the first"
        )
    if any(not (-90 <= lat <= 90 and -180 <= lon <= 180) for lat, lon in points):
        raise CapRefused(RefusalReason.BAD_AREA, f"polygon {text[:80]!r}: off the globe")
    return points


def _circle(text: str) -> tuple[float, float, float]:
    """CAP: "lat,lon radius" with the radius in kilometres."""
    try:
        centre, radius = text.split()
        lat, lon = (float(v) for v in centre.split(","))
        km = float(radius)
    except ValueError:
        raise CapRefused(
            RefusalReason.BAD_AREA, f"circle {text[:80]!r}: not 'lat,lon km'"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= km <= 20_000):
        raise CapRefused(RefusalReason.BAD_AREA, f"circle {text[:80]!r}: out of range")
    return lat, lon, km


def _area(element: Element) -> Area:
    return Area(
        desc=_text(element, "areaDesc"),
        polygons=tuple(_polygon(p.text or "") for p in element.findall("cap:polygon", _NS)),
        circles=tuple(_circle(c.text or "") for c in element.findall("cap:circle", _NS)),
        geocodes=_pairs(element, "geocode"),
    )


def _references(text: str) -> tuple[tuple[str, str, str], ...]:
    found = []
    for item in text.split():
        parts = item.split(",")
        if len(parts) == 3:
            found.append((parts[0], parts[1], parts[2]))
    return tuple(found)


def read_alert(root: Element) -> CapMessage:
    """A validated alert element as a CapMessage (its first info block; the areas of all)."""
    infos = root.findall("cap:info", _NS)
    info = infos[0] if infos else None
    return CapMessage(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_instant(_text(root, "sent")),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        references=_references(_text(root, "references")),
        event=_text(info, "event")[:200],
        headline=_text(info, "headline")[:300],
        description=_text(info, "description"),
        instruction=_text(info, "instruction"),
        urgency=_text(info, "urgency"),
        severity=_text(info, "severity"),
        certainty=_text(info, "certainty"),
        effective=_instant(_text(info, "effective")),
        expires=_instant(_text(info, "expires")),
        areas=tuple(_area(a) for i in infos for a in i.findall("cap:area", _NS)),
    )


def cap_parse(body: bytes, *, max_bytes: int) -> CapMessage:
    """The CAP 1.2 message in these bytes, or CapRefused saying why not."""
    if len(body) > max_bytes:
        raise CapRefused(RefusalReason.TOO_LARGE, f"{len(body)} bytes, over {max_bytes}")
    root = parse_xml(body)
    validate(root)
    return read_alert(root)
