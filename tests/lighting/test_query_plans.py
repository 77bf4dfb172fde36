"""The lighting indexes serve the queries the code really writes (PostgreSQL): the SQL each
selector sends is captured and EXPLAINed with sequential scans priced out (a test's tables are
too small for the planner to prefer an index on its own)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lighting.models import Override
from lighting.selectors import boosts_at, overrides_in_force_between

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]

T = datetime(2026, 1, 14, 22, 0, tzinfo=UTC)


def plans_of(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    texts = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            texts.append("\n".join(row[0] for row in cursor.fetchall()))
    return texts


def test_overrides_in_force_at_an_instant_are_found_by_expiry_not_by_reading_them_all():
    # Given a month of alarm boosts, each two minutes long, and one in force at T
    Override.objects.bulk_create(
        Override(
            scope_kind="lights",
            light_ids=[1],
            level=100,
            operation="max",
            priority=4,
            starts_at=start,
            expires_at=start + timedelta(minutes=2),
            reason="alarm",
            author="alarm-rules",
        )
        for start in [T - timedelta(hours=h) for h in range(1, 720)] + [T - timedelta(minutes=1)]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE lighting_override")  # as autovacuum would
    # When an event's context asks for the boosts at T, and analytics for those of an hour
    (boosts,) = plans_of(lambda: boosts_at(lights=[], at=T))
    (between,) = plans_of(lambda: overrides_in_force_between(start=T, end=T + timedelta(hours=1)))
    # Then both go through the expiry index
    assert "lighting_override_expires" in boosts, boosts
    assert "lighting_override_expires" in between, between
    assert len(overrides_in_force_between(start=T, end=T + timedelta(hours=1))) == 1
