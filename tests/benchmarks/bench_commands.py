"""Commands for 10,000 lights: issue (bulk), publish by the gateway, acknowledgement by the lamps
and completion (SUCCEEDED), on a private Mosquitto with `manage.py run_gateway`.

- issue: `commands_issue` for every light in one call (a dusk reconcile's shape);
- publish: from the commit to the last `P/{id}/cmd` received by a subscriber standing in for the
  lamps (the gateway is nudged through the Channels layer, or finds them on its sweep);
- complete: the stand-in acknowledges every command; until the last one is SUCCEEDED.
Peer: Eclipse Ditto handles ~600 device commands/s per instance.
"""

import json
import time
import uuid

import paho.mqtt.client as paho
from django.db import connection

from devices.choices import AssetKind, CommandState
from devices.models import Asset, AssetState, Command, LevelChange, StreetlightDetails
from devices.services.commands import commands_issue
from tests.benchmarks._mqtt_bench import client, private_broker, start_gateway


def _lights(count: int, prefix_id: str) -> list[int]:
    Asset.objects.bulk_create(
        [
            Asset(
                device_id=f"{prefix_id}{n:06d}",
                kind=AssetKind.STREETLIGHT,
                latitude=51.5,
                longitude=-0.09,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    pks = list(Asset.objects.filter(device_id__startswith=prefix_id).values_list("pk", flat=True))
    StreetlightDetails.objects.bulk_create(
        [StreetlightDetails(asset_id=pk) for pk in pks], batch_size=5000
    )
    return pks


def _cleanup(prefix_id: str) -> None:
    assets = Asset.objects.filter(device_id__startswith=prefix_id)
    Command.objects.filter(asset__in=assets).update(superseded_by=None)
    Command.objects.filter(asset__in=assets).delete()
    LevelChange.objects.filter(asset__in=assets).delete()
    AssetState.objects.filter(asset__in=assets).delete()
    StreetlightDetails.objects.filter(asset__in=assets).delete()
    assets.delete()


def run(*, quick: bool) -> list[dict]:
    count = 2_000 if quick else 10_000
    prefix_id = f"BC{uuid.uuid4().hex[:4]}-"
    prefix = f"bench/{uuid.uuid4().hex[:8]}"
    try:
        pks = _lights(count, prefix_id)
        with private_broker() as (mqtt_url, _broker):
            gateway = start_gateway(mqtt_url, prefix, f"bench-cmd-{uuid.uuid4().hex[:6]}")
            lamps = client(mqtt_url)
            received = {"n": 0, "last": 0.0}

            def on_cmd(c, userdata, message):
                body = json.loads(message.payload)
                device_id = message.topic.split("/")[-2]
                c.publish(
                    f"{prefix}/{device_id}/ack",
                    json.dumps({"id": body["id"], "status": "ok", "level": body["level"]}),
                    qos=1,
                )
                received["n"] += 1
                received["last"] = time.perf_counter()

            lamps.on_message = on_cmd
            lamps.loop_start()
            lamps.subscribe([(f"{prefix}/+/cmd", paho.SubscribeOptions(qos=1))])
            birth = client(mqtt_url)
            up = {"ok": False}
            birth.on_message = lambda c, u, m: up.update(ok=m.payload == b"online")
            birth.loop_start()
            birth.subscribe(f"{prefix}/_gateway/status", qos=1)
            deadline = time.monotonic() + 60
            while not up["ok"] and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)
            try:
                started = time.perf_counter()
                commands_issue(
                    levels=dict.fromkeys(pks, 80), reason="bench", issued_by="bench_commands"
                )
                issued = time.perf_counter()
                deadline = time.monotonic() + 300
                while received["n"] < count and time.monotonic() < deadline:
                    time.sleep(0.05)
                published = received["last"]
                done = 0
                while time.monotonic() < deadline:
                    done = Command.objects.filter(
                        asset_id__in=pks, state=CommandState.SUCCEEDED
                    ).count()
                    if done >= count:
                        break
                    time.sleep(0.2)
                completed = time.perf_counter()
            finally:
                lamps.loop_stop()
                birth.loop_stop()
                gateway.terminate()
                gateway.wait(30)
                connection.close()
        issue_s = issued - started
        publish_s = max(published - issued, 1e-6)
        return [
            {
                "name": f"commands issued in bulk ({count:,} lights, one call)",
                "value": round(count / issue_s),
                "unit": "commands/s",
                "goal": f"{count:,} within 5 s",
                "ok": issue_s <= 5,
                "peer": None,
            },
            {
                "name": f"gateway command publish rate ({count:,} lights, MQTT QoS 1)",
                "value": round(received["n"] / publish_s),
                "unit": "commands/s",
                "goal": ">= 2,000 commands/s, none lost",
                "ok": received["n"] >= count and received["n"] / publish_s >= 2000,
                "peer": "Eclipse Ditto: ~600 device commands/s per instance",
            },
            {
                "name": f"commands SUCCEEDED end to end ({count:,}: issue → publish → ack)",
                "value": round(done / (completed - started)),
                "unit": "commands/s",
                "goal": "all succeed",
                "ok": done == count,
                "peer": None,
            },
        ]
    finally:
        _cleanup(prefix_id)
