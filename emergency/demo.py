"""What the demo needs of the emergency app: threshold rules on the river gauges the demo city
seeds (devices.demo_data.RIVER_GAUGES, `measures` flood_level), so the simulators' storm
(DEMO_STORM_AFTER_S, docs/simulators.md) raises flood alarms in the security queue and clears
them when the river falls back. Idempotent: a rule of the same name is left alone."""

from emergency.choices import ThresholdKind, ThresholdMetric
from emergency.models import ThresholdRule
from emergency.services.thresholds import rule_create

ACTOR = "demo"
GAUGES = "flood_level"  # the `measures` of the demo city's river gauges
# Over the gauges' usual 109–131 cm (a base of 115–125 cm and a ±6 cm tide); the storm's 45 cm
# takes every gauge past it.
FLOOD_RULES = (
    {
        "name": "River frontage: high water",
        "kind": ThresholdKind.ABOVE,
        "level": 150.0,
        "clear_level": 140.0,
        "for_s": 120,
        "priority": 10,
    },
    {
        "name": "River frontage: rising fast",
        "kind": ThresholdKind.RISE,
        "level": 20.0,  # cm within the window
        "clear_level": 10.0,
        "for_s": 60,
        "window_min": 30,
        "priority": 15,
    },
)


def thresholds_if_missing(*, stdout) -> None:
    created = []
    for fields in FLOOD_RULES:
        if ThresholdRule.objects.filter(name=fields["name"]).exists():
            continue
        created.append(
            rule_create(actor=ACTOR, measures=GAUGES, metric=ThresholdMetric.LEVEL_CM, **fields)
        )
    if created:
        stdout.write(f"-- {len(created)} flood threshold rules created on the river gauges")
