"""Every benchmark runs at its quick size in the test suite, so that none of them can rot.

Timings are not asserted (they belong in `make bench`); the figures' shape and the runner's
table are. Each module runs on the test database, emptied afterwards (transactional_db).
"""

import pytest

from tests.benchmarks import __main__ as runner
from tests.benchmarks import common

MODULES = runner.discover()


def test_the_runner_finds_the_baselines_first_and_the_soak_last():
    assert MODULES[0] == "mqtt_baseline"
    if "soak" in MODULES:
        assert MODULES[-1] == "soak"


@pytest.mark.slow
@pytest.mark.parametrize("name", MODULES)
def test_benchmark_runs_at_quick_size(name, transactional_db, monkeypatch):
    monkeypatch.setenv("BENCH_SOAK_SECONDS", "8")
    figures = common.check_figures(runner.load(name).run(quick=True))
    assert figures, f"{name} measured nothing"
    for item in figures:
        item["module"] = name
    table = runner.render_table(figures)
    assert all(item["name"] in table for item in figures)


def test_the_table_shows_each_figure_its_goal_and_its_ratio_to_the_limit():
    figures = [
        common.figure("ingest", 4_000, "msg/s", goal="≥ 2,000 msg/s", ok=True, limit=8_000),
        common.figure("alert p95", 120, "ms", goal="< 100 ms", ok=False, peer="none"),
    ]
    for item in figures:
        item["module"] = "example"
    table = runner.render_table(figures)
    assert "0.50 × physical limit (8,000)" in table
    assert "MISSED" in table and "≥ 2,000 msg/s" in table


def test_a_figure_without_a_goal_field_is_refused():
    with pytest.raises(ValueError, match="lacks"):
        common.check_figures([{"name": "x", "value": 1.0, "unit": "s"}])


def test_percentile_interpolates():
    assert common.percentile([1, 2, 3, 4], 50) == 2.5
    assert common.percentile([5], 95) == 5
