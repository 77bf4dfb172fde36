"""A small city for the pages' tests, built through the registry's services."""

from dataclasses import dataclass, field

from devices.models import Asset, AssetState, Zone
from devices.services.registry import asset_create, zone_create


def square(lat: float, lon: float, size: float = 0.002) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


@dataclass
class City:
    zones: list[Zone] = field(default_factory=list)
    lights: list[Asset] = field(default_factory=list)
    cameras: list[Asset] = field(default_factory=list)


def build_city(*, lights_per_zone: int = 4, level: float | None = 30.0) -> City:
    city = City()
    zones = [("Cheapside", "street"), ("Guildhall Yard", "high_risk_site")]
    for index, (name, kind) in enumerate(zones):
        lat, lon = 51.514 + index * 0.003, -0.094
        zone = zone_create(
            actor="tests",
            data={"name": name, "kind": kind, "boundary": square(lat, lon), "min_level": 10},
        )
        city.zones.append(zone)
        for n in range(lights_per_zone):
            light = asset_create(
                actor="tests",
                device_id=f"SL-{index}{n:03d}",
                kind="streetlight",
                latitude=lat + 0.002 * (n + 1) / (lights_per_zone + 1),
                longitude=lon
                + 0.002 * ((n * 7) % (lights_per_zone + 1) + 0.5) / (lights_per_zone + 1),
                name=f"{name} light {n + 1}",
            )
            AssetState.objects.create(asset=light, online=True, level=level)
            city.lights.append(light)
        camera = asset_create(
            actor="tests",
            device_id=f"CAM-{index}",
            kind="camera",
            latitude=lat + 0.001,
            longitude=lon + 0.0015,
            name=f"{name} camera",
            details={
                "analytics_allowlist": ["intrusion", "loitering", "vulnerable_person"],
                "purpose": f"Public safety on {name}",
            },
        )
        AssetState.objects.create(asset=camera, online=index == 0)
        city.cameras.append(camera)
    return city


def raise_alarm(camera: Asset, event_id: str, *, type: str = "intrusion"):
    """An analytics event through the real path: ingested, alarm rules run (the alarm task,
    in-process), the alarm raised and published live after the commit."""
    from django.utils import timezone

    from cctv.models import Alarm
    from cctv.services.ingest import events_ingest
    from cityplatform.celery import app as celery_app
    from devices.events import DeviceEvent

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        events_ingest(
            [
                DeviceEvent(
                    device_id=camera.device_id,
                    event_id=event_id,
                    ts=timezone.now(),
                    type=type,
                    source="mqtt",
                    confidence=0.9,
                )
            ]
        )
    finally:
        celery_app.conf.task_always_eager = eager
    return Alarm.objects.filter(events__event_id=event_id).first()


def alarm_rules() -> None:
    from cctv.services.rules import alarm_rule_create

    alarm_rule_create(actor="tests", name="Intrusion", event_types=["intrusion"], priority=10)
    alarm_rule_create(
        actor="tests", name="Early warning", event_types=["vulnerable_person"], priority=1
    )


def lamps_report() -> int:
    """The simulated lamps do what they are told: the gateway's due commands are claimed (SENT)
    and each lamp acknowledges with the commanded level, through the gateway's ingest path
    (commands completed, reported levels stored, `light.state` published after the commit)."""
    from django.utils import timezone

    from devices.protocols.messages import Ack
    from devices.services.commands import commands_claim_due
    from devices.services.ingest import IngestBatch, ingest_store

    sent = commands_claim_due()
    acks = [
        (
            c.asset_pk,
            Ack(
                device_id=c.device_id,
                command_id=c.id,
                ok=True,
                level=c.level,
                reason="",
                ts=timezone.now(),
            ),
        )
        for c in sent
    ]
    if acks:
        ingest_store(batch=IngestBatch(acks=acks))
    return len(acks)
