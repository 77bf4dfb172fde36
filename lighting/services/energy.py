"""Energy per light, zone and day, rolled up the zone tree, with cost, CO₂ and the savings
against the undimmed baseline; a month of days; and the half-hourly file of the UK's unmetered
supplies (Elexon BSCP520: settled half-hourly from the CMS's switching and dimming log, per
charge code).

Per light the best source is used: an energy counter (metered), else reported power, else an
estimate from rated power × level × burn time over its reported levels (or, for a lamp that
reports nothing, the levels commanded to it). Estimated figures are marked as such; a light with
none of these on a day has no data (said so, never counted as 0 kWh).

A zone's totals are those of its own lights and of every zone within it: the city is the sum
of its wards. The undimmed baseline of a light is its rated power for the hours it was lit
(its level timeline, any level above 0 counted as 100 %); a light without a timeline (metered
only) counts its own energy as its baseline, so it claims no saving.
"""

import io
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from cityplatform.csvsafe import SafeWriter
from devices.choices import LampTechnology
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
    baseline_wh: float = 0.0
    lamp_type: str = ""

    @property
    def estimated(self) -> bool:
        return self.method == EnergyMethod.ESTIMATED

    @property
    def has_data(self) -> bool:
        return self.method != EnergyMethod.NO_DATA


def energy_figures(*, wh: float, baseline_wh: float) -> dict:
    """kWh, cost at the tariff, CO₂ at the carbon factor, and the saving against the baseline."""
    kwh = wh / 1000
    saved_kwh = (baseline_wh - wh) / 1000
    return {
        "kwh": round(kwh, 3),
        "cost_gbp": round(kwh * settings.ENERGY_TARIFF_GBP_PER_KWH, 2),
        "co2_kg": round(kwh * settings.ENERGY_CO2_KG_PER_KWH, 2),
        "baseline_kwh": round(baseline_wh / 1000, 3),
        "saved_kwh": round(saved_kwh, 3),
        "saved_gbp": round(saved_kwh * settings.ENERGY_TARIFF_GBP_PER_KWH, 2),
        "saved_co2_kg": round(saved_kwh * settings.ENERGY_CO2_KG_PER_KWH, 2),
    }


@dataclass(frozen=True)
class EnergyReport:
    day: date
    time_zone: str
    slots: list[datetime]
    lights: list[LightEnergy]
    # the zones the report covers (the asked zone and those within it, or all): pk → row
    zones: dict = field(default_factory=dict)

    def zone_totals(self) -> dict[int | None, dict]:
        """Per zone, its own lights and those of every zone within it: Wh (and its estimated
        part), the baseline, kWh, cost, CO₂, saving, how many lights and how many had data,
        and the half-hourly totals. Lights outside any zone are under None."""
        n = len(self.slots)
        own: dict[int | None, dict] = {}

        def empty(zone_id, name, parent_id):
            return {
                "zone_id": zone_id,
                "zone_name": name,
                "parent_id": parent_id,
                "wh": 0.0,
                "estimated_wh": 0.0,
                "baseline_wh": 0.0,
                "lights": 0,
                "lights_with_data": 0,
                "half_hours": [0.0] * n,
                "estimated_half_hours": [0.0] * n,
            }

        for zone in self.zones.values():
            own[zone.pk] = empty(zone.pk, zone.name, zone.parent_id)
        for light in self.lights:
            if light.zone_id not in own:
                own[light.zone_id] = empty(light.zone_id, light.zone_name, None)
            row = own[light.zone_id]
            row["wh"] += light.wh
            row["baseline_wh"] += light.baseline_wh
            row["lights"] += 1
            row["lights_with_data"] += light.has_data
            if light.estimated:
                row["estimated_wh"] += light.wh
            row["half_hours"] = list(map(operator.add, row["half_hours"], light.slots))
            if light.estimated:
                row["estimated_half_hours"] = list(
                    map(operator.add, row["estimated_half_hours"], light.slots)
                )
        # Roll up: each zone's own figures added to every ancestor within the report.
        totals = {
            key: {
                **row,
                "half_hours": list(row["half_hours"]),
                "estimated_half_hours": list(row["estimated_half_hours"]),
            }
            for key, row in own.items()
        }
        for key, row in own.items():
            seen, parent = {key}, row["parent_id"]
            while parent in totals and parent not in seen:
                seen.add(parent)
                target = totals[parent]
                for name in ("wh", "estimated_wh", "baseline_wh", "lights", "lights_with_data"):
                    target[name] += row[name]
                for name in ("half_hours", "estimated_half_hours"):
                    target[name] = [a + b for a, b in zip(target[name], row[name], strict=True)]
                parent = totals[parent]["parent_id"]
        for row in totals.values():
            for name in ("wh", "estimated_wh", "baseline_wh"):
                row[name] = round(row[name], 3)
            row["half_hours"] = [round(x, 3) for x in row["half_hours"]]
            row["estimated_half_hours"] = [round(x, 3) for x in row["estimated_half_hours"]]
            row["has_data"] = row["lights_with_data"] > 0
            row.update(energy_figures(wh=row["wh"], baseline_wh=row["baseline_wh"]))
        return totals

    def total(self) -> dict:
        """Every light of the report: the city's total when no zone was asked for."""
        lights = self.lights
        wh = sum(x.wh for x in lights)
        return {
            "wh": round(wh, 3),
            "estimated_wh": round(sum(x.wh for x in lights if x.estimated), 3),
            "baseline_wh": round(sum(x.baseline_wh for x in lights), 3),
            "lights": len(lights),
            "lights_with_data": sum(x.has_data for x in lights),
            "has_data": any(x.has_data for x in lights),
            **energy_figures(wh=wh, baseline_wh=sum(x.baseline_wh for x in lights)),
        }


def _undimmed(timeline: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    return [(at, 100.0 if level > 0 else 0.0) for at, level in timeline]


def lamp_type_label(technology: str, rated_w: float) -> str:
    """ "LED 28W": how a lamp type is named, and the key of its charge code."""
    return f"{technology or LampTechnology.OTHER} {rated_w:g}W"


def energy_report(
    *, day: date, zone_id: int | None = None, time_zone: str | None = None, night: bool = False
) -> EnergyReport:
    """Energy of every controlled light (of a zone and the zones within it) on a local day, or
    with `night` over the night that starts that evening (local noon to noon: the clock
    changes happen in the small hours, so a night has 46, 48 or 50 half hours too)."""
    tz_name = time_zone or settings.TIME_ZONE
    tz = ZoneInfo(tz_name)
    at = time(12) if night else time(0)
    start = datetime.combine(day, at, tzinfo=tz).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(day + timedelta(days=1), at, tzinfo=tz).astimezone(ZoneInfo("UTC"))
    slots = slots_between(start, end)
    zones = light_selectors.zones_all()
    lights = light_selectors.lights_for_control()
    covered = zones
    if zone_id is not None:
        within = light_selectors.zone_descendants(zone_id, zones)
        lights = [light for light in lights if light.zone_id in within]
        covered = {pk: zone for pk, zone in zones.items() if pk in within}
    lamp_types = light_selectors.light_lamp_types()
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
        timeline = levels.get(light.pk, [])
        if len(counters.get(light.pk, ())) >= 2:
            per_slot, method = from_counter(counters[light.pk], slots), EnergyMethod.METERED
        elif powers.get(light.pk):
            per_slot, method = from_power(powers[light.pk], slots), EnergyMethod.POWER
        elif timeline:
            per_slot = from_levels(timeline, slots, light.rated_power_w)
            method = EnergyMethod.ESTIMATED
        else:
            per_slot, method = [0.0] * len(slots), EnergyMethod.NO_DATA
        wh = sum(per_slot)
        baseline = (
            sum(from_levels(_undimmed(timeline), slots, light.rated_power_w)) if timeline else wh
        )
        zone = zones.get(light.zone_id)
        technology, rated_w = lamp_types.get(light.pk, ("", light.rated_power_w))
        out.append(
            LightEnergy(
                light_id=light.pk,
                device_id=light.device_id,
                zone_id=light.zone_id,
                zone_name=zone.name if zone else "",
                wh=round(wh, 3),
                method=method,
                slots=tuple(per_slot),  # rounded where shown (the totals, the files)
                baseline_wh=round(baseline, 3),
                lamp_type=lamp_type_label(technology, rated_w),
            )
        )
    return EnergyReport(day=day, time_zone=tz_name, slots=slots, lights=out, zones=covered)


def energy_days(*, first: date, last: date, zone_id: int | None = None) -> dict:
    """Each local day from `first` to `last` (inclusive) for a zone (rolled up) or the whole
    city, and their total; a day with no data says so."""
    days, day = [], first
    while day <= last:
        report = energy_report(day=day, zone_id=zone_id)
        # the report holds the zone's lights and those within it: its total is the zone's
        days.append({"date": day, **report.total()})
        day += timedelta(days=1)
    wh = sum(d["wh"] for d in days)
    baseline_wh = sum(d["baseline_wh"] for d in days)
    total = {
        "wh": round(wh, 3),
        "estimated_wh": round(sum(d["estimated_wh"] for d in days), 3),
        "baseline_wh": round(baseline_wh, 3),
        "days_with_data": sum(d["has_data"] for d in days),
        "has_data": any(d["has_data"] for d in days),
        **energy_figures(wh=wh, baseline_wh=baseline_wh),
    }
    return {"from": first, "to": last, "zone_id": zone_id, "days": days, "total": total}


def energy_month(*, year: int, month: int, zone_id: int | None = None) -> dict:
    """Each local day of a month (`energy_days`), named by its month."""
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {
        "month": f"{year:04d}-{month:02d}",
        **energy_days(first=first, last=last, zone_id=zone_id),
    }


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
                f"{light.wh:.3f}" if light.has_data else "",
                light.method,
                "yes" if light.estimated else "no",
            ]
        )
    return buffer.getvalue()


def energy_csv_half_hours(report: EnergyReport) -> str:
    """One row per zone (rolled up) and half hour (UTC start, local start), Wh."""
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
                    f"{wh:.3f}" if zone["has_data"] else "",
                ]
            )
    return buffer.getvalue()


BSCP520_HEADER = [
    "settlement_date",
    "settlement_period",
    "period_start_utc",
    "charge_code",
    "lamp_type",
    "items",
    "items_with_data",
    "energy_kwh",
    "estimated_kwh",
]


def energy_csv_bscp520(report: EnergyReport) -> str:
    """The half-hourly file a Meter Administrator takes (BSCP520, a measured CMS): one row per
    settlement period (1 to 46, 48 or 50 of the local day) and charge code, the code of each
    lamp type from ENERGY_CHARGE_CODES (else the lamp type itself), with its number of items,
    kWh and the estimated part. Lights with no data that day are counted as items, not as kWh."""
    by_type: dict[str, list[LightEnergy]] = defaultdict(list)
    for light in report.lights:
        by_type[light.lamp_type].append(light)
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(BSCP520_HEADER)
    codes = settings.ENERGY_CHARGE_CODES
    for period, slot in enumerate(report.slots):
        for lamp_type in sorted(by_type):
            lights = by_type[lamp_type]
            with_data = [x for x in lights if x.has_data]
            wh = sum(x.slots[period] for x in with_data)
            estimated = sum(x.slots[period] for x in with_data if x.estimated)
            writer.writerow(
                [
                    report.day.isoformat(),
                    period + 1,
                    slot.isoformat(),
                    codes.get(lamp_type, lamp_type),
                    lamp_type,
                    len(lights),
                    len(with_data),
                    f"{wh / 1000:.6f}" if with_data else "",
                    f"{estimated / 1000:.6f}" if with_data else "",
                ]
            )
    return buffer.getvalue()
