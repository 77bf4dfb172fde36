"""Technical alarms: camera offline, tamper, video loss. They follow devices' faults, and close
themselves when the condition clears.

The faults are the one record of the condition: the gateway raises and clears the `offline`
fault; `tamper` and `video_loss` events raise their fault here (and an event that says the
condition ended — Frigate's `end`, or `"active": false` / `"state": "cleared"` in its attributes
— clears it). `technical_reconcile` then makes the open technical alarms match the open faults:
one open alarm per camera and condition, closed (resolved, by "technical") once the fault is.
It runs after each technical event and periodically (beat) for the gateway's offline faults.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction

from cctv.choices import OPEN_ALARM_STATES, AlarmCategory, AlarmResolution, TechnicalCondition
from cctv.models import Alarm, Event
from cctv.services.alarms import alarm_close, alarm_raise_technical, camera_may_alarm
from devices.selectors.cameras import asset_get, camera_open_faults, cameras_info
from devices.services.faults import fault_clear, fault_raise

TECHNICAL_PRIORITY = 50
TECHNICAL_ACTOR = "technical"
CONDITIONS = tuple(c.value for c in TechnicalCondition)


def _event_clears(event: Event) -> bool:
    attributes = event.attributes or {}
    if event.end_ts is not None:
        return True
    if attributes.get("active") is False:
        return True
    return str(attributes.get("state", "")).lower() in {"cleared", "false", "off", "inactive"}


def technical_from_events(*, events: Sequence[Event], now: datetime) -> list[Alarm]:
    """Raises or clears the camera faults these events report, then reconciles the alarms."""
    cameras = set()
    for event in events:
        asset = asset_get(pk=event.device_id)
        if asset is None:
            continue
        if _event_clears(event):
            fault_clear(asset=asset, type=event.type, at=event.end_ts or event.ts, actor="cctv")
        else:
            fault_raise(
                asset=asset,
                type=event.type,
                at=event.ts,
                details={"event": event.event_id},
                actor="cctv",
            )
        cameras.add(event.device_id)
    raised, closed = technical_reconcile(camera_ids=cameras)
    return [*raised, *closed]


def technical_reconcile(
    *, camera_ids: Iterable[int] | None = None
) -> tuple[list[Alarm], list[Alarm]]:
    """Open technical alarms ↔ open camera faults. Returns (raised, closed)."""
    camera_ids = set(camera_ids) if camera_ids is not None else None
    faults = camera_open_faults(types=CONDITIONS, camera_ids=camera_ids)
    wanted = {(asset_id, kind): raised_at for asset_id, kind, raised_at in faults}
    alarms = Alarm.objects.filter(
        category=AlarmCategory.TECHNICAL, state__in=OPEN_ALARM_STATES
    ).exclude(condition="")
    if camera_ids is not None:
        alarms = alarms.filter(camera_id__in=camera_ids)
    have = {(a.camera_id, a.condition): a for a in alarms}
    infos = cameras_info(asset_ids={key[0] for key in wanted})
    raised: list[Alarm] = []
    for key, raised_at in wanted.items():
        info = infos.get(key[0])
        if key in have or info is None or not camera_may_alarm(info):
            continue
        label = TechnicalCondition(key[1]).label
        try:
            with transaction.atomic():
                raised.append(
                    alarm_raise_technical(
                        camera_id=key[0],
                        zone_id=info.zone_id,
                        condition=key[1],
                        title=f"{label}: {info.name or info.device_id}",
                        priority=TECHNICAL_PRIORITY,
                        at=raised_at,
                    )
                )
        except IntegrityError:  # raised concurrently: one open alarm it is
            continue
    closed = [
        alarm_close(
            alarm=alarm,
            actor=TECHNICAL_ACTOR,
            resolution=AlarmResolution.RESOLVED,
            note="The condition cleared.",
        )
        for key, alarm in have.items()
        if key not in wanted
    ]
    return raised, closed
