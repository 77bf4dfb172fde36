"""The lighting context of an event: the light at the camera at the event's instant.

Computed in the alert task before the alarm rules run (`alarms_evaluate`), once per event:
the lights linked to the camera (proximity links, nearest first), each one's *reported* level
at the instant (the level-change log, not the schedule), their mean/min/max, which of them were
under a boost (a `max` override in force at that instant), the nearest lux sensor's last sample
within a bound, the sun's elevation at the camera and whether it was dark (civil twilight), and
whether the scene was dim (dark, and the mean level under `CORRELATION_DIM_LEVEL`). Stored on
the event only where none is stored yet, so a second run changes nothing.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from cctv.analytics.core.context import sun_elevation
from cctv.analytics.core.exposure import CIVIL_DEPRESSION
from cctv.models import Event
from devices.choices import LifecycleStatus
from devices.selectors.cameras import CameraInfo
from devices.selectors.levels import levels_at
from devices.selectors.registry import camera_links
from devices.selectors.sensors import lux_nearest
from lighting.selectors import boosts_at

log = logging.getLogger(__name__)

CONTEXT_VERSION = 1


def dim_level() -> float:
    return settings.CORRELATION_DIM_LEVEL


def _lux_bounds() -> tuple[float, timedelta]:
    radius = settings.CORRELATION_LUX_RADIUS_M
    age = settings.CORRELATION_LUX_MAX_AGE_S
    return radius, timedelta(seconds=age)


def lighting_context_compute(*, camera: CameraInfo, at: datetime) -> dict[str, Any]:
    """The lighting context at `camera` at instant `at` (a JSON-able dict). A handful of
    queries whatever the number of lights: the links, the levels (one bulk query), the boosts,
    the lux sensor."""
    links = [
        link
        for link in camera_links(camera_id=camera.pk)
        if link.light.status != LifecycleStatus.DECOMMISSIONED
    ]
    lights = [link.light for link in links]
    levels = levels_at(asset_ids=[light.pk for light in lights], at=at) if lights else {}
    boosts = boosts_at(lights=lights, at=at) if lights else {}
    rows = [
        {
            "id": link.light.pk,
            "device_id": link.light.device_id,
            "distance_m": round(link.distance_m, 1),
            "level": levels.get(link.light.pk),
            "boosted": link.light.pk in boosts,
            "override_id": boosts.get(link.light.pk),
        }
        for link in links
    ]
    known = [row["level"] for row in rows if row["level"] is not None]
    unboosted = [row["level"] for row in rows if row["level"] is not None and not row["boosted"]]
    radius, max_age = _lux_bounds()
    lux = lux_nearest(
        latitude=camera.latitude,
        longitude=camera.longitude,
        at=at,
        radius_m=radius,
        max_age=max_age,
    )
    sun = sun_elevation(latitude=camera.latitude, longitude=camera.longitude, at=at)
    dark = sun < -CIVIL_DEPRESSION
    mean = sum(known) / len(known) if known else None
    threshold = dim_level()
    return {
        "version": CONTEXT_VERSION,
        "at": at.isoformat(),
        "camera": camera.device_id,
        "lights": rows,
        "light_count": len(rows),
        "known": len(known),
        "mean": round(mean, 2) if mean is not None else None,
        "min": min(known) if known else None,
        "max": max(known) if known else None,
        "boosted": sum(1 for row in rows if row["boosted"]),
        # The mean of the lights no boost was raising: the scheduled lighting the analytics
        # compare (boost-lit light is kept apart, see docs/correlation.md).
        "unboosted_mean": round(sum(unboosted) / len(unboosted), 2) if unboosted else None,
        "lux": lux,
        "sun_elevation": round(sun, 2),
        "dark": dark,
        "dim_level": threshold,
        "dim": bool(dark and mean is not None and mean < threshold),
    }


def events_contextualise(
    *, events: Iterable[Event], infos: dict[int, CameraInfo]
) -> dict[int, dict[str, Any]]:
    """Computes and stores the context of each event that has none yet (idempotent: an event
    with a context keeps it). Returns event pk → context for every event given, and sets
    `event.lighting_context` on the instances."""
    contexts: dict[int, dict[str, Any]] = {}
    for event in events:
        if event.lighting_context is not None:
            contexts[event.pk] = event.lighting_context
            continue
        info = infos.get(event.device_id)
        if info is None or not info.is_camera:
            continue
        try:
            context = lighting_context_compute(camera=info, at=event.ts)
        except Exception:  # the alarm path goes on without a context: never lose an alarm
            log.exception("lighting context of event %s failed", event.pk)
            continue
        context["computed_at"] = timezone.now().isoformat()
        stored = Event.objects.filter(pk=event.pk, lighting_context__isnull=True).update(
            lighting_context=context
        )
        if not stored:  # another worker was first: keep what it stored
            context = Event.objects.filter(pk=event.pk).values_list("lighting_context", flat=True)[
                0
            ]
        event.lighting_context = context
        contexts[event.pk] = context
    return contexts
