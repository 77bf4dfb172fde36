"""The indexes made for hot reads serve the queries the code really writes (PostgreSQL).

A functional or partial index is only used when the query's expression matches the index's:
these tests EXPLAIN the ORM's own SQL with sequential scans priced out (the tables of a test
are too small for the planner to prefer an index on its own) and check the index is chosen."""

import pytest
from django.db import connection

from devices.api.registry_filters import AssetFilter
from devices.models import Asset, Command
from devices.selectors.cameras import commands_of_override
from devices.services.commands import commands_issue
from tests.devices.registry_factories import make_light

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_online_streetlights_are_counted_from_the_asset_index_without_states():
    make_light("SL-1", 51.5, -0.09)
    ids = AssetFilter({"online": "true", "kind": "streetlight"}, queryset=Asset.objects.all()).qs
    sql, params = ids.values("pk").query.sql_with_params()
    text = plan(f"SELECT count(*) FROM ({sql}) t", params)  # noqa: S608 (the ORM's SQL)
    assert "asset_online_kind_status" in text and "devices_assetstate" not in text, text


def test_the_commands_of_an_override_are_found_through_their_index():
    # Given commands of an override (an alarm's boost) and of a schedule
    lights = [make_light(f"SL-{i}", 51.5 + i * 0.001, -0.09) for i in range(3)]
    commands_issue(
        levels={lights[0].pk: 100, lights[1].pk: 100},
        reason="alarm",
        issued_by="test",
        context={"override_id": 42},
    )
    commands_issue(levels={lights[2].pk: 30}, reason="schedule", issued_by="test")
    # When the alarm detail and the latency task look them up
    queries = [
        Command.objects.filter(context__override_id=42).values("pk"),
        Command.objects.filter(context__override_id=42, sent_at__isnull=False).values("pk"),
    ]
    # Then they use the index, and find the override's two commands only
    for query in queries:
        text = plan(*query.query.sql_with_params())
        assert "command_context_override_id" in text, text
    assert len(commands_of_override(override_id=42)) == 2
