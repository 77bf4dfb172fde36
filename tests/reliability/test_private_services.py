"""The private services of the fault-injection tests keep what the platform relies on across a
restart: QoS 1 sessions (Mosquitto), queued data (Redis), committed rows (PostgreSQL)."""

import psycopg
import pytest
import redis

from tests.reliability.conftest import size
from tests.reliability.mqtt_tools import Collector, client, publish_all


@pytest.mark.slow
def test_qos1_messages_for_an_offline_session_survive_a_mosquitto_restart(private_mosquitto):
    broker = private_mosquitto()
    count = size(200, 10_000)
    # Given a subscriber with a persistent session that has gone away
    sub = Collector(broker.url, "t/+/telemetry", client_id="rel-sub", clean_session=False)
    sub.close()
    publisher = client(broker.url)
    acked = publish_all(publisher, [(f"t/d{i % 10}/telemetry", b"%d" % i) for i in range(count)])
    publisher.disconnect()
    publisher.loop_stop()
    assert acked == count
    # When the broker restarts before the subscriber comes back
    broker.restart()
    sub = Collector(broker.url, "t/+/telemetry", client_id="rel-sub", clean_session=False)
    try:
        # Then every message is delivered, none twice
        sub.wait_for(count)
        payloads = [int(p) for _, p in sub.messages]
        assert sorted(payloads) == list(range(count))
    finally:
        sub.close()


@pytest.mark.slow
def test_a_redis_restart_keeps_what_was_queued(private_redis):
    server = private_redis()
    r = redis.Redis.from_url(server.url)
    r.rpush("queue", *[f"task-{i}" for i in range(100)])
    server.restart()
    assert redis.Redis.from_url(server.url).llen("queue") == 100


@pytest.mark.slow
def test_postgres_refuses_while_down_and_keeps_committed_rows(private_postgres):
    server = private_postgres()
    url = server.create_database("probe")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (n int)")
        conn.execute("INSERT INTO t SELECT generate_series(1, 50)")
    server.stop(mode="immediate")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    server.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 50
