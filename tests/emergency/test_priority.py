"""An alert's alarm priority from urgency, severity and certainty (pure)."""

import pytest

from emergency.cap.priority import alert_priority


@pytest.mark.parametrize(
    ("urgency", "severity", "certainty", "priority"),
    [
        ("Immediate", "Extreme", "Observed", 1),
        ("Immediate", "Severe", "Observed", 10),
        ("Expected", "Moderate", "Likely", 36),
        ("Past", "Minor", "Unlikely", 110),
        ("Unknown", "Unknown", "Unknown", 54),
        ("Soon", "Awful", "Sure", 54),  # not CAP's values: read as Unknown
    ],
)
def test_priority_of_an_alert(urgency, severity, certainty, priority):
    assert alert_priority(urgency=urgency, severity=severity, certainty=certainty) == priority


def test_more_severe_is_always_more_urgent_in_the_queue():
    order = ["Extreme", "Severe", "Moderate", "Minor"]
    worst = [alert_priority(urgency="Past", severity=s, certainty="Unlikely") for s in order]
    best = [alert_priority(urgency="Immediate", severity=s, certainty="Observed") for s in order]
    assert worst == sorted(worst) and best == sorted(best)
    assert all(1 <= p <= 255 for p in worst + best)


def test_a_severe_immediate_warning_sorts_above_a_camera_technical_alarm():
    assert alert_priority(urgency="Immediate", severity="Severe", certainty="Likely") < 50
