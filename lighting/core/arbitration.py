"""How overrides, the schedule, the zone floor and the lamp's limits make one level.

Active overrides apply on top of the scheduled level from the lowest priority (16) to the
highest (1), so a higher priority has the last word: `set` replaces the level, `max` raises it
to at least its level (a security boost never dims a street), `min` caps it. At equal priority
the newer override applies last. Then the zone's floor (the dimming floor its lighting class
allows) and the lamp's limits clamp any lit level; off stays off (part-night switch-off).
"""

from dataclasses import dataclass, field
from datetime import datetime

from cityplatform.timefmt import when
from lighting.choices import Operation

# An override's operation in words.
OPERATION_WORDS = {
    Operation.SET: "setting the light to",
    Operation.MAX: "raising the light to at least",
    Operation.MIN: "capping the light at",
}


@dataclass(frozen=True)
class OverrideSpec:
    id: int
    level: float
    operation: str
    priority: int
    starts_at: datetime
    expires_at: datetime | None
    reason: str = ""
    author: str = ""
    alarm_id: int | None = None
    details_permission: str = ""  # who may see its reason and alarm link (lighting.visibility)

    def active_at(self, t: datetime) -> bool:
        return self.starts_at <= t and (self.expires_at is None or t < self.expires_at)

    def apply(self, level: float) -> float:
        if self.operation == Operation.SET:
            return self.level
        if self.operation == Operation.MAX:
            return max(level, self.level)
        return min(level, self.level)

    def describe(self, *, details: bool = True, tz_name: str = "UTC") -> str:
        """In words, its end in `tz_name`; without `details`, no alarm link (a viewer who may
        not see it)."""
        by = (
            f", by alarm #{self.alarm_id}"
            if self.alarm_id and details
            else f", by {self.author}"
            if self.author
            else ""
        )
        until = f" until {when(self.expires_at, tz_name)}" if self.expires_at else " until cleared"
        effect = OPERATION_WORDS.get(self.operation, self.operation)
        return f"an override {effect} {self.level:g} % (priority {self.priority}){by},{until}"


@dataclass(frozen=True)
class Limits:
    zone_floor: float = 0.0
    lamp_min: float = 0.0
    lamp_max: float = 100.0


@dataclass(frozen=True)
class Arbitration:
    level: float
    scheduled: float
    winner: OverrideSpec | None  # the override that decided the level, if one did
    applied: tuple[OverrideSpec, ...] = field(default_factory=tuple)  # in force, in order
    clamped_by: str = ""  # "zone floor", "lamp minimum", "lamp maximum" or ""


def _order(o: OverrideSpec):
    return (-o.priority, o.starts_at, o.id)


def arbitrate(
    scheduled: float, overrides: list[OverrideSpec] | tuple, t: datetime, limits: Limits
) -> Arbitration:
    """The level of one light at `t`. Overrides not active at `t` are ignored, so an expired
    override stops counting at its expiry, whether or not the sweep has seen it."""
    active = sorted((o for o in overrides if o.active_at(t)), key=_order)
    level = scheduled
    winner = None
    for override in active:
        level = override.apply(level)
        # a set decides; a max/min decides when it holds the level at its own
        if override.operation == Operation.SET or level == override.level:
            winner = override
    clamped_by = ""
    if level > 0:
        floor = max(limits.zone_floor, limits.lamp_min)
        if level < floor:
            level = floor
            clamped_by = "zone floor" if limits.zone_floor >= limits.lamp_min else "lamp minimum"
    if level > limits.lamp_max:
        level = limits.lamp_max
        clamped_by = "lamp maximum"
    return Arbitration(
        level=float(level),
        scheduled=float(scheduled),
        winner=winner,
        applied=tuple(active),
        clamped_by=clamped_by,
    )


def fast_level(
    scheduled: float, overrides, t: datetime, zone_floor: float, lamp_min: float, lamp_max: float
) -> float:
    """`arbitrate(...).level` without the explanation: the bulk path (same rules)."""
    level = scheduled
    if overrides:
        for o in sorted((o for o in overrides if o.active_at(t)), key=_order):
            level = o.apply(level)
    if level > 0:
        floor = zone_floor if zone_floor > lamp_min else lamp_min
        if level < floor:
            level = floor
    if level > lamp_max:
        level = lamp_max
    return float(level)
