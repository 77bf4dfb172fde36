"""The simulators and the OPC-UA transport: how much city one process can simulate, and how
fast an OPC-UA command is read back.

    python -m tests.benchmarks --only simulators

Figures:
- lamp telemetry one simulator process sustains (12,000 lamps, multiplexed over 4
  connections, asked for 6,000 msg/s), and its CPU cost per 1,000 messages;
- OPC-UA session start: connect, browse and subscribe 500 luminaires until every one has
  reported;
- OPC-UA command read-back: `write_level` until the reading shows the commanded level
  (controller fade 0), p50 and p95.
"""

import asyncio
import os
import socket
import time
import uuid

from devices.protocols.opcua import OpcUaControllerSession
from devices.simulators.mqtt_devices import LampSpec, MqttCitySimulation, SimOptions
from devices.simulators.opcua_server import SimulatedController


def _figure(name, value, unit, goal="", ok=None, peer=None) -> dict:
    return {"name": name, "value": float(value), "unit": unit, "goal": goal, "ok": ok, "peer": peer}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def _telemetry(quick: bool) -> list[dict]:
    lamps = 1_200 if quick else 12_000
    seconds = 5.0 if quick else 20.0
    interval = 2.0  # asks for lamps / 2 messages per second: more than the goal
    prefix = f"bench-sims/{uuid.uuid4().hex[:10]}"
    sim = MqttCitySimulation(
        lamps=[LampSpec(f"B-{i:05d}", level=50) for i in range(lamps)],
        options=SimOptions(
            broker_url=os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"),
            prefix=prefix,
            telemetry_interval_s=interval,
            event_rate_per_s=0,
            multiplexed=True,
            connections=4,
            seed=1,
        ),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(sim.run(stop))
    await sim.wait_connected(20)
    await asyncio.sleep(interval)  # past the staggered start
    sent0, cpu0, t0 = sim.stats["telemetry"], time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    sent, cpu, elapsed = (
        sim.stats["telemetry"] - sent0,
        time.process_time() - cpu0,
        time.monotonic() - t0,
    )
    stop.set()
    await task
    await asyncio.to_thread(_clear_retained, prefix, [f"B-{i:05d}" for i in range(lamps)])
    rate = sent / elapsed
    goal = 1_200 if not quick else 120
    return [
        _figure(
            f"simulator telemetry, {lamps:,} lamps on 4 connections",
            rate,
            "msg/s",
            goal=f"≥ {goal:,} msg/s (12,000 lamps every 10 s)",
            ok=rate >= goal,
        ),
        _figure(
            "simulator CPU per 1,000 telemetry messages",
            cpu / max(sent, 1) * 1000,
            "CPU s",
            goal="informative",
        ),
    ]


def _clear_retained(prefix: str, devices: list[str]) -> None:
    from devices.simulators.mqtt_link import MqttLink

    link = MqttLink(
        broker_url=os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"),
        client_id=f"bench-clear-{uuid.uuid4().hex[:8]}",
        prefix=prefix,
        devices=[],
    )
    link.start()
    link.connected.wait(10)
    last = None
    for device_id in devices:
        last = link.publish(f"{prefix}/{device_id}/status", b"", retain=True)
    if last is not None:
        last.wait_for_publish(30)
    link.stop(mark_offline=False)


async def _opcua(quick: bool) -> list[dict]:
    luminaires = [f"OL-{i:04d}" for i in range(50 if quick else 500)]
    writes = 10 if quick else 100
    endpoint = f"opc.tcp://127.0.0.1:{_free_port()}/bench/"
    latest: dict[str, float | None] = {}
    changed = asyncio.Event()

    async def on_reading(reading) -> None:
        latest[reading.device_id] = reading.actual_level
        changed.set()

    async with SimulatedController(
        endpoint, luminaires=luminaires, delay_s=0, fade_s=0, step_s=0.02
    ):
        session = OpcUaControllerSession(
            controller_device_id="BENCH-CTRL",
            endpoint_url=endpoint,
            luminaires=luminaires,
            on_reading=on_reading,
            publishing_interval_ms=50,
        )
        started = time.monotonic()
        task = asyncio.create_task(session.run())
        while len(latest) < len(luminaires):
            await asyncio.sleep(0.01)
        start_s = time.monotonic() - started
        latencies = []
        for index in range(writes):
            device_id = luminaires[index % len(luminaires)]
            level = float(10 + index % 90)
            t0 = time.monotonic()
            await session.write_level(device_id, level)
            while latest.get(device_id) != level:
                changed.clear()
                await asyncio.wait_for(changed.wait(), 10)
            latencies.append((time.monotonic() - t0) * 1000)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    p95 = _percentile(latencies, 95)
    return [
        _figure(
            f"OPC-UA session start, {len(luminaires)} luminaires subscribed",
            start_s,
            "s",
            goal="< 5 s",
            ok=start_s < 5,
        ),
        _figure("OPC-UA write → read-back p50", _percentile(latencies, 50), "ms", goal="info"),
        _figure(
            "OPC-UA write → read-back p95 (publishing 50 ms, controller step 20 ms)",
            p95,
            "ms",
            goal="< 500 ms",
            ok=p95 < 500,
        ),
    ]


def run(*, quick: bool) -> list[dict]:
    async def both() -> list[dict]:
        return [*(await _telemetry(quick)), *(await _opcua(quick))]

    return asyncio.run(both())


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")
    django.setup()
    for item in run(quick=bool(os.environ.get("QUICK"))):
        print(f"{item['name']:<60} {item['value']:>10.2f} {item['unit']:<6} {item['goal']}")
