"""A real HTTP receiver of NGSI-LD notifications (http.server in a thread), for the tests and
the benchmark (tests/benchmarks/bench_ngsi.py)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every POST (its headers and JSON body); answers `status` (200 unless told)."""

    def __init__(self):
        self.received: list[tuple[dict, dict]] = []
        self.arrived: list[float] = []  # perf_counter() of each POST
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                owner.received.append((dict(self.headers), body))
                owner.arrived.append(time.perf_counter())
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [body for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
