"""Threshold judging without the database: above, below, rate of rise, hysteresis, duration."""

from datetime import UTC, datetime, timedelta

from emergency.thresholds import ABOVE, BELOW, RISE, Rule, State, judge, rule_problems

T0 = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def series(*values, step_s=60):
    return [(T0 + timedelta(seconds=i * step_s), float(v)) for i, v in enumerate(values)]


def raised_flags(judged):
    return [c.raised for c in judged.changes]


def test_above_raises_once_and_clears_past_the_clear_level_only():
    rule = Rule(ABOVE, level=150, clear_level=140)
    judged = judge(rule, series(100, 151, 149, 152, 145, 139), State())
    # 149 and 145 are under the level but over the clear level: no flapping
    assert raised_flags(judged) == [True, False]
    assert judged.changes[0].value == 151 and judged.changes[1].value == 139
    assert judged.state.raised is False


def test_below_raises_and_clears():
    rule = Rule(BELOW, level=10, clear_level=15)
    judged = judge(rule, series(20, 9, 12, 16), State())
    assert raised_flags(judged) == [True, False]


def test_duration_a_short_spike_raises_nothing():
    rule = Rule(ABOVE, level=150, for_s=120)
    assert judge(rule, series(100, 160, 160, 100), State()).changes == []  # held 60 s only
    judged = judge(rule, series(100, 160, 160, 160), State())  # held 120 s
    assert raised_flags(judged) == [True] and judged.changes[0].ts == T0 + timedelta(seconds=180)


def test_rate_of_rise_over_the_window():
    rule = Rule(RISE, level=20, window_min=30, clear_level=5)
    rising = series(*range(100, 140, 1), step_s=60)  # 1 cm a minute
    judged = judge(rule, rising, State())
    assert raised_flags(judged) == [True]
    assert judged.changes[0].rise == 20 and judged.changes[0].ts == T0 + timedelta(minutes=20)
    # a slow rise (0.5 cm/min) never rises 20 cm within 30 minutes
    slow = series(*[100 + i / 2 for i in range(90)], step_s=60)
    assert judge(rule, slow, State()).changes == []


def test_samples_already_judged_are_not_judged_again():
    rule = Rule(ABOVE, level=150)
    samples = series(100, 160, 170)
    first = judge(rule, samples[:2], State())
    again = judge(rule, samples, first.state, after=samples[1][0])
    assert raised_flags(first) == [True] and again.changes == [] and again.state.raised


def test_problems_named():
    assert "clear_level" in rule_problems(Rule(ABOVE, level=150, clear_level=160))
    assert "clear_level" in rule_problems(Rule(BELOW, level=10, clear_level=5))
    assert "kind" in rule_problems(Rule("sideways", level=1))
    assert rule_problems(Rule(RISE, level=20, clear_level=5)) == {}
