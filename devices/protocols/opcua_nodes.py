"""The OPC-UA contract's address space (CONTRACT.md, "OPC-UA"), and what the transport hands on.

The namespace URI, the default browse path of a luminaire and how a browse-path template reads,
the variables watched, the reading and write-error values, and asyncua's logging kept quiet:
shared by the client session (opcua.py) and the simulated controller (devices/simulators).
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from asyncua import ua

NAMESPACE_URI = "urn:cityplatform:lighting"
# The contract's layout; {ns} is the index of NAMESPACE_URI, {device_id} the luminaire.
DEFAULT_BROWSE_PATH = "Objects/{ns}:Luminaires/{ns}:{device_id}"
# The variables watched, and the reading field each one feeds.
WATCHED = {"ActualLevel": "actual_level", "PowerW": "power_w", "Status": "status"}
UNKNOWN_STATUS = "unknown"


def _not_a_lost_connection(record: logging.LogRecord) -> bool:
    """asyncua's publish loop logs a traceback at ERROR each time a controller's connection
    closes under it; the session reports that loss itself, as one warning line."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, ConnectionError)


def quiet_asyncua(level: int = logging.ERROR) -> None:
    """asyncua logs every reconnect attempt and revised parameter; keep it quiet unless the
    project's logging configuration names it."""
    logger = logging.getLogger("asyncua")
    if logger.level == logging.NOTSET:
        logger.setLevel(level)
    session_logger = logging.getLogger("asyncua.client.ua_session.UaSession")
    if _not_a_lost_connection not in session_logger.filters:
        session_logger.addFilter(_not_a_lost_connection)


@dataclass(frozen=True)
class OpcUaReading:
    device_id: str
    ts: datetime
    actual_level: float | None
    power_w: float | None
    status: str | None


class OpcUaWriteError(Exception):
    """A DimLevel write that did not happen: not connected, unknown luminaire, refused."""


def parse_browse_path(template: str, *, ns: int, device_id: str) -> list[ua.QualifiedName]:
    """The qualified names of a browse-path template, from `Objects` down to the luminaire.

    "Objects/{ns}:Lights/{ns}:{device_id}" with ns=3 → [0:Objects, 3:Lights, 3:<device_id>].
    A segment without "<index>:" is in namespace 0. The leading "Objects" may be left out.
    """
    names = []
    for raw in template.strip("/").split("/"):
        segment = raw.replace("{ns}", str(ns)).replace("{device_id}", device_id)
        index, sep, name = segment.partition(":")
        if sep and index.isdigit():
            names.append(ua.QualifiedName(name, int(index)))
        else:
            names.append(ua.QualifiedName(segment, 0))
    if names and names[0].Name == "Objects" and names[0].NamespaceIndex == 0:
        names = names[1:]
    return names


def relative_path(names: list[ua.QualifiedName]) -> ua.RelativePath:
    """The relative path (hierarchical references) that `TranslateBrowsePaths` takes."""
    path = ua.RelativePath()
    for name in names:
        element = ua.RelativePathElement()
        element.ReferenceTypeId = ua.NodeId(ua.ObjectIds.HierarchicalReferences)
        element.IsInverse = False
        element.IncludeSubtypes = True
        element.TargetName = name
        path.Elements.append(element)
    return path
