"""WebSocket clients of the dashboards benchmark, in a process of their own (no Django).

    python -m tests.benchmarks._ws_clients --uri ws://… --session … --origin … --clients 500 \
        --events 20 --topic zone:424242

Connects `--clients` sockets with the session cookie, subscribes each to `--topic`, prints
`READY <subscribed> <failures>` once all are in (or 300 s have passed), then waits for a
warm-up message and `--events` more on each socket. A message's receipt time is taken the
moment `recv()` returns, before it is parsed; parsing is timed apart (CPU seconds of this
process spent in json.loads and the timestamp's parse). At the end it prints one JSON line:
`{"received": [[level, sent_epoch_s, received_epoch_s], …], "parse_s": …, "cpu_s": …, …}`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from datetime import datetime


async def run(args: argparse.Namespace) -> dict:
    import websockets

    headers = {"Cookie": f"sessionid={args.session}", "Origin": args.origin}
    received: list[tuple[float, float, float]] = []
    parse_s = [0.0]
    subscribed = [0]
    failures: list[str] = []
    ready = asyncio.Event()

    async def client() -> None:
        for attempt in range(3):  # a browser reconnects too; the figures say how often
            try:
                async with websockets.connect(
                    args.uri,
                    additional_headers=headers,
                    open_timeout=120,
                    max_queue=None,
                    ping_interval=None,
                    compression=None,
                ) as ws:
                    await ws.send(json.dumps({"action": "subscribe", "topics": [args.topic]}))
                    reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
                    if reply["type"] != "subscribed":
                        raise RuntimeError(reply)
                    subscribed[0] += 1
                    if subscribed[0] == args.clients:
                        ready.set()
                    await asyncio.wait_for(ws.recv(), timeout=600)  # the warm-up
                    for _ in range(args.events):
                        text = await asyncio.wait_for(ws.recv(), timeout=60)
                        now = time.time()
                        t0 = time.perf_counter()
                        message = json.loads(text)
                        sent = datetime.fromisoformat(message["ts"]).timestamp()
                        parse_s[0] += time.perf_counter() - t0
                        received.append((message["data"]["level"], sent, now))
                    return
            except Exception as error:  # counted, then tried again
                failures.append(repr(error))
                if subscribed[0] and attempt == 2:
                    return

    tasks = []
    for index in range(args.clients):
        tasks.append(asyncio.create_task(client()))
        if index % 50 == 49:
            await asyncio.sleep(0.05)  # connect in waves, as browsers of a control room would
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ready.wait(), timeout=300)
    print(f"READY {subscribed[0]} {len(failures)}", flush=True)
    cpu_before = time.process_time()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=args.wait)
    return {
        "received": received,
        "parse_s": parse_s[0],
        "cpu_s": time.process_time() - cpu_before,
        "subscribed": subscribed[0],
        "failures": len(failures),
        "failure_samples": failures[:3],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--origin", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--wait", type=float, default=900.0)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
