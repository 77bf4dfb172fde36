"""How an event's lighting context reads, as pure functions: the sun at the camera, and whether
a rule that brightens only dark, dim scenes should respond. No database; table-testable. The
context itself is computed from the rows by `cctv.analytics.context`."""

from datetime import datetime

from astral import Observer
from astral.sun import elevation


def sun_elevation(*, latitude: float, longitude: float, at: datetime) -> float:
    return float(elevation(Observer(latitude=latitude, longitude=longitude), at))


def context_allows_response(*, context: dict | None, threshold: float) -> tuple[bool, str]:
    """Whether a rule that brightens only dark, dim scenes should respond to this context, and
    why. Unknown lighting (no linked lights, no reported levels) responds: the platform does not
    know the street is lit, so it errs towards light."""
    if not context:
        return True, "no lighting context: responding"
    if not context.get("dark"):
        return False, "daylight at the camera: no lighting response"
    mean = context.get("mean")
    if mean is None:
        return True, "no reported levels at the camera: responding"
    if mean >= threshold:
        return False, f"scene lit: mean {mean:g} % ≥ {threshold:g} %"
    return True, f"dark and dim: mean {mean:g} % < {threshold:g} %"
