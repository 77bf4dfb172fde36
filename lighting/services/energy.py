"""Energy per light, zone and day, and half-hourly totals per zone (the UK settles unmetered
supplies half-hourly from the CMS's switching and dimming log, Elexon BSCP520).

Per light the best source is used: an energy counter (metered), else reported power, else an
estimate from rated power × level × burn time over its reported levels (or, for a lamp that
reports nothing, the levels commanded to it). Estimated figures are marked as such.
"""

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from cityplatform.csvsafe import SafeWriter
from devices.selectors import lights as light_selectors
from lighting.choices import EnergyMethod
from lighting.core.energy import SLOT, from_counter, from_levels, from_power, slots_between

HALF_HOURS_LOOKBACK = timedelta(hours=2)  # a counter reading before the day starts


@dataclass(frozen=True)
class LightEnergy:
    light_id: int
    device_id: str
    zone_id: int | None
    zone_name: str
    wh: float
    method: str
    slots: tuple[float, ...]

    @property
    def estimated(self) -> bool:
        return self.method == EnergyMethod.ESTIMATED


@dataclass(frozen=True)
class EnergyReport:
    day: date
    time_zone: str
    slots: list[datetime]
    lights: list[LightEnergy]

    def zone_totals(self) -> dict[int | None, dict]:
        """Per zone: total Wh, estimated Wh, and the 30-minute totals."""
        totals: dict[int | None, dict] = {}
        for light in self.lights:
            zone = totals.setdefault(
                light.zone_id,
                {
                    "zone_id": light.zone_id,
                    "zone_name": light.zone_name,
                    "wh": 0.0,
                    "estimated_wh": 0.0,
                    "lights": 0,
                    "half_hours": [0.0] * len(self.slots),
                },
            )
            zone["wh"] += light.wh
            zone["lights"] += 1
            if light.estimated:
                zone["estimated_wh"] += light.wh
            for i, wh in enumerate(light.slots):
                zone["half_hours"][i] += wh
        return totals


def energy_report(
    *, day: date, zone_id: int | None = None, time_zone: str | None = None
) -> EnergyReport:
    """Energy of every controlled light (of a zone and the zones within it) on a local day."""
    tz_name = time_zone or settings.TIME_ZONE
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))
    slots = slots_between(start, end)
    zones = light_selectors.zones_all()
    lights = light_selectors.lights_for_control()
    if zone_id is not None:
        within = light_selectors.zone_descendants(zone_id, zones)
        lights = [light for light in lights if light.zone_id in within]
    pks = [light.pk for light in lights]
    counters: dict[int, list] = defaultdict(list)
    powers: dict[int, list] = defaultdict(list)
    for pk, ts, power_w, energy_wh in light_selectors.telemetry_samples(
        pks=pks, start=start - HALF_HOURS_LOOKBACK, end=end
    ):
        if energy_wh is not None:
            counters[pk].append((ts, energy_wh))
        if power_w is not None and ts >= start - SLOT:
            powers[pk].append((ts, power_w))
    levels: dict[int, list] = defaultdict(list)
    for pk, at, level in light_selectors.level_changes(pks=pks, start=start, end=end):
        levels[pk].append((at, level))
    missing = [pk for pk in pks if pk not in counters and pk not in powers and pk not in levels]
    if missing:
        for pk, at, level in light_selectors.commanded_levels(pks=missing, start=start, end=end):
            levels[pk].append((at, level))
    out = []
    for light in lights:
        if len(counters.get(light.pk, ())) >= 2:
            per_slot, method = from_counter(counters[light.pk], slots), EnergyMethod.METERED
        elif powers.get(light.pk):
            per_slot, method = from_power(powers[light.pk], slots), EnergyMethod.POWER
        else:
            per_slot = from_levels(levels.get(light.pk, []), slots, light.rated_power_w)
            method = EnergyMethod.ESTIMATED
        zone = zones.get(light.zone_id)
        out.append(
            LightEnergy(
                light_id=light.pk,
                device_id=light.device_id,
                zone_id=light.zone_id,
                zone_name=zone.name if zone else "",
                wh=round(sum(per_slot), 3),
                method=method,
                slots=tuple(round(x, 3) for x in per_slot),
            )
        )
    return EnergyReport(day=day, time_zone=tz_name, slots=slots, lights=out)


def energy_csv_lights(report: EnergyReport) -> str:
    """One row per light: the day, its zone, Wh and how it was obtained."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(["date", "zone", "device_id", "energy_wh", "method", "estimated"])
    for light in sorted(report.lights, key=lambda x: (x.zone_name, x.device_id)):
        writer.writerow(
            [
                report.day.isoformat(),
                light.zone_name,
                light.device_id,
                f"{light.wh:.3f}",
                light.method,
                "yes" if light.estimated else "no",
            ]
        )
    return buffer.getvalue()


def energy_csv_half_hours(report: EnergyReport) -> str:
    """One row per zone and half hour (UTC start, local start), Wh, and the estimated share."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(["zone", "slot_start_utc", "slot_start_local", "energy_wh"])
    tz = ZoneInfo(report.time_zone)
    for zone in sorted(report.zone_totals().values(), key=lambda z: z["zone_name"]):
        for slot, wh in zip(report.slots, zone["half_hours"], strict=True):
            writer.writerow(
                [
                    zone["zone_name"],
                    slot.isoformat(),
                    slot.astimezone(tz).isoformat(),
                    f"{wh:.3f}",
                ]
            )
    return buffer.getvalue()
