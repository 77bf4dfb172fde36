"""Lighting faults detected from what lamps report (TALQ lampFailure, lampUnexpectedOn,
dimmingFailure), raised and cleared through devices' fault service (one open fault per light
and type; raising twice or clearing twice changes nothing).

- lamp failure: commanded on for longer than the grace period, reports (almost) no power;
- day-burning: lit while the sun is up, past sunrise + the grace period (and before sunset −
  it), when nothing asks for light;
- dimming failure: the reported level is off the commanded one by more than the tolerance for
  longer than the grace period, with no command pending.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from devices.choices import FaultType
from devices.selectors import lights as light_selectors
from devices.selectors.commands import commands_pending
from devices.services.faults import fault_clear, fault_raise
from lighting.core.schedule import sun_times

NO_POWER_W = 1.0
DIMMING_TOLERANCE = 5.0  # %
TYPES = (FaultType.LAMP_FAILURE, FaultType.DAY_BURNING, FaultType.DIMMING_FAILURE)


def fault_grace() -> timedelta:
    return timedelta(seconds=settings.LIGHTING_FAULT_GRACE_S)


def sun_is_up(
    *, t: datetime, tz_name: str, latitude: float, longitude: float, margin: timedelta
) -> bool:
    """Whether `t` lies between sunrise + margin and sunset − margin of its local day."""
    day = t.astimezone(ZoneInfo(tz_name)).date()
    lat, lon = round(latitude, 1), round(longitude, 1)
    morning = sun_times(day - timedelta(days=1), tz_name, lat, lon)
    evening = sun_times(day, tz_name, lat, lon)
    if morning.sunrise is None or evening.sunset is None:
        return (morning.polar or evening.polar) == "day"
    return morning.sunrise + margin <= t <= evening.sunset - margin


def lighting_faults_detect(*, now: datetime | None = None) -> dict[str, int]:
    """Raises and clears the three lighting faults for every controlled light."""
    now = now or timezone.now()
    grace = fault_grace()
    lights = {light.pk: light for light in light_selectors.lights_for_control()}
    zones = light_selectors.zones_all()
    states = light_selectors.light_states(pks=None)
    pending = set(commands_pending().values_list("asset_id", flat=True))
    should: dict[tuple[int, str], dict] = {}
    for pk, state in states.items():
        light = lights.get(pk)
        if light is None or state.online is False:
            continue
        settled = state.desired_since is None or state.desired_since <= now - grace
        desired = state.desired_level
        if (
            desired
            and desired > 0
            and settled
            and state.power_w is not None
            and state.power_w < NO_POWER_W
        ):
            should[(pk, FaultType.LAMP_FAILURE)] = {
                "commanded_level": desired,
                "power_w": state.power_w,
            }
        lit = (state.level or 0) > 0 or (state.power_w or 0) >= NO_POWER_W
        if lit and not desired and settled:
            zone = zones.get(light.zone_id)
            tz = zone.time_zone if zone else settings.TIME_ZONE
            if sun_is_up(
                t=now, tz_name=tz, latitude=light.latitude, longitude=light.longitude, margin=grace
            ):
                should[(pk, FaultType.DAY_BURNING)] = {
                    "level": state.level,
                    "power_w": state.power_w,
                }
        if (
            desired is not None
            and state.level is not None
            and settled
            and pk not in pending
            and abs(state.level - desired) > DIMMING_TOLERANCE
            and (pk, FaultType.LAMP_FAILURE) not in should
            and (pk, FaultType.DAY_BURNING) not in should
        ):
            should[(pk, FaultType.DIMMING_FAILURE)] = {
                "commanded_level": desired,
                "reported_level": state.level,
            }
    open_now = light_selectors.light_faults_open(types=TYPES)
    to_raise = should.keys() - open_now.keys()
    to_clear = open_now.keys() - should.keys()
    assets = light_selectors.lights_by_pk({pk for pk, _ in to_raise | to_clear})
    raised = cleared = 0
    for pk, type_ in sorted(to_raise):
        _fault, created = fault_raise(
            asset=assets[pk], type=type_, details=should[(pk, type_)], at=now, actor="lighting"
        )
        raised += created
    for pk, type_ in sorted(to_clear):
        if pk in assets and fault_clear(asset=assets[pk], type=type_, at=now, actor="lighting"):
            cleared += 1
    return {"raised": raised, "cleared": cleared}
