"""A starting set of alarm rules for a new installation (or the demo), created idempotently:
supervisors then adjust them. Each rule keeps to the platform's limits: bounded lighting
responses, welfare alarms without conspicuous light effects."""

from typing import Any

from django.db import transaction

from cctv.choices import VULNERABLE_PERSON
from cctv.models import AlarmRule
from cctv.services.rules import alarm_rule_create
from cityplatform.services import Actor

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "name": "Intrusion after dark: raise the lights",
        "event_types": ["intrusion", "line_crossing"],
        "window": "dark",
        "min_confidence": 0.6,
        "priority": 20,
        "category": "security",
        "retrigger_s": 300,
        "light_scope": "linked",
        "light_level": 100,
        "light_duration_s": 300,
        "light_extend": True,
        "light_max_s": 1800,
    },
    {
        "name": "Loitering",
        "event_types": ["loitering"],
        "min_confidence": 0.6,
        "priority": 60,
        "category": "security",
        "retrigger_s": 600,
    },
    {
        "name": "Crowd",
        "event_types": ["crowd"],
        "priority": 50,
        "category": "safety",
        "retrigger_s": 900,
    },
    {
        "name": "Person down",
        "event_types": ["person_down"],
        "min_confidence": 0.5,
        "priority": 5,
        "category": "safety",
        "retrigger_s": 300,
        "light_scope": "linked",
        "light_level": 100,
        "light_duration_s": 600,
        "light_extend": True,
        "light_max_s": 3600,
    },
    {
        "name": "Early warning at high-risk sites",
        "event_types": [VULNERABLE_PERSON],
        "priority": 1,
        "category": "welfare",
        "retrigger_s": 600,
    },
    {
        "name": "Sensor over threshold",
        "event_types": ["threshold"],
        "priority": 10,
        "category": "safety",
        "retrigger_s": 1800,
    },
]


@transaction.atomic
def alarm_rules_create_defaults(*, actor: Actor) -> list[AlarmRule]:
    """Creates the default rules that do not exist yet (by name); returns those created."""
    existing = set(AlarmRule.objects.values_list("name", flat=True))
    return [
        alarm_rule_create(actor=actor, **rule)
        for rule in DEFAULT_RULES
        if rule["name"] not in existing
    ]
