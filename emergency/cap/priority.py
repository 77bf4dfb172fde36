"""An alert's alarm priority from its urgency, severity and certainty (1 is the most urgent, as
in the alarm queue; a camera's technical alarm is 50). Severity sets the band, urgency and
certainty move it within: an Extreme, Immediate, Observed warning is 1; a Minor, Past,
Unlikely one sorts below the technical alarms."""

SEVERITY_BASE = {"Extreme": 1, "Severe": 10, "Moderate": 30, "Minor": 60, "Unknown": 40}
URGENCY_STEP = {"Immediate": 0, "Expected": 4, "Future": 12, "Past": 30, "Unknown": 8}
CERTAINTY_STEP = {"Observed": 0, "Likely": 2, "Possible": 6, "Unlikely": 20, "Unknown": 6}


def alert_priority(*, urgency: str, severity: str, certainty: str) -> int:
    """The alarm priority, 1..255 (a value CAP does not define counts as Unknown)."""
    base = SEVERITY_BASE.get(severity, SEVERITY_BASE["Unknown"])
    step = URGENCY_STEP.get(urgency, URGENCY_STEP["Unknown"])
    step += CERTAINTY_STEP.get(certainty, CERTAINTY_STEP["Unknown"])
    return max(1, min(255, base + step))
