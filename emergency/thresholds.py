"""Sensor thresholds judged by the platform: the pure part (no database), one rule against one
sensor's samples, oldest first.

A rule is `above` (the reading at or over `level`), `below` (at or under `level`) or `rise` (the
reading rose by `level` or more within the last `window_min` minutes: the newest sample less the
lowest of the window). It must hold for at least `for_s` seconds, by the samples' own times,
before an alarm is raised; once raised, the alarm clears only when the reading is back past the
`clear_level` (hysteresis) and has stayed there for `for_s` too. So a reading wavering around the
level raises one alarm, not one per sample.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

ABOVE, BELOW, RISE = "above", "below", "rise"


@dataclass(frozen=True)
class Rule:
    kind: str
    level: float
    clear_level: float | None = None  # None: the level itself (no hysteresis)
    for_s: float = 0.0
    window_min: float = 30.0

    @property
    def clear(self) -> float:
        return self.level if self.clear_level is None else self.clear_level


@dataclass
class State:
    raised: bool = False
    since: datetime | None = None  # since when the condition that would change `raised` holds


@dataclass(frozen=True)
class Change:
    """The alarm to raise (`raised` True) or clear, at the sample `ts`."""

    raised: bool
    ts: datetime
    value: float
    rise: float  # the rise over the window at that sample


@dataclass
class Judged:
    state: State
    changes: list[Change] = field(default_factory=list)
    value: float | None = None  # the newest reading
    rise: float = 0.0  # the newest rise over the window


def rule_problems(rule: Rule) -> dict[str, str]:
    """What makes a rule unusable, per field (empty when none)."""
    problems = {}
    if rule.kind not in (ABOVE, BELOW, RISE):
        problems["kind"] = "above, below or rise"
    if rule.clear_level is not None:
        if rule.kind in (ABOVE, RISE) and rule.clear_level > rule.level:
            problems["clear_level"] = "at or under the level (it clears when the reading falls)"
        if rule.kind == BELOW and rule.clear_level < rule.level:
            problems["clear_level"] = "at or over the level (it clears when the reading rises)"
    if rule.kind == RISE and rule.level <= 0:
        problems["level"] = "a rise greater than 0"
    if rule.for_s < 0:
        problems["for_s"] = "0 or more seconds"
    if rule.window_min <= 0:
        problems["window_min"] = "more than 0 minutes"
    return problems


def _over(rule: Rule, value: float, rise: float) -> bool:
    if rule.kind == ABOVE:
        return value >= rule.level
    if rule.kind == BELOW:
        return value <= rule.level
    return rise >= rule.level


def _back(rule: Rule, value: float, rise: float) -> bool:
    if rule.kind == ABOVE:
        return value < rule.clear
    if rule.kind == BELOW:
        return value > rule.clear
    return rise < rule.clear


def judge(
    rule: Rule,
    samples: list[tuple[datetime, float]],
    state: State,
    *,
    after: datetime | None = None,
) -> Judged:
    """Walks the samples newer than `after` (the older ones only fill the rise window) and
    returns the new state and the changes of the alarm, in order."""
    state = State(state.raised, state.since)
    judged = Judged(state)
    window = timedelta(minutes=rule.window_min)
    hold = timedelta(seconds=rule.for_s)
    recent: deque[tuple[datetime, float]] = deque()
    for ts, value in samples:
        recent.append((ts, value))
        while recent and recent[0][0] < ts - window:
            recent.popleft()
        rise = value - min(v for _, v in recent)
        judged.value, judged.rise = value, rise
        if after is not None and ts <= after:
            continue
        changing = _back(rule, value, rise) if state.raised else _over(rule, value, rise)
        if not changing:
            state.since = None
            continue
        if state.since is None:
            state.since = ts
        if ts - state.since >= hold:
            state.raised, state.since = not state.raised, None
            judged.changes.append(Change(state.raised, ts, value, rise))
    return judged
