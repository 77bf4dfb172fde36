"""`python manage.py run_gateway`: the device gateway, the only owner of device connections."""

import logging
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from prometheus_client import start_http_server

from cityplatform.mqtt import mqtt_credentials, mqtt_url_with_user
from devices.gateway import Gateway, gateway_options_from_settings
from devices.services.mqtt_acl import gateway_worker_users

log = logging.getLogger("devices.gateway")


class Command(BaseCommand):
    help = "Runs the device gateway: MQTT in and out, OPC-UA controller sessions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--share",
            metavar="GROUP",
            help="split the MQTT load with the other gateways of GROUP ($share/GROUP/…)",
        )
        parser.add_argument(
            "--member",
            metavar="I/N",
            help="this gateway is member I (0-based) of N: OPC-UA controllers are split by hash",
        )
        parser.add_argument("--client-id", help="MQTT client id (default: MQTT_CLIENT_ID)")
        parser.add_argument("--batch-max", type=int, help="messages per stored batch (1000)")
        parser.add_argument("--batch-window-ms", type=float, help="batch window (50 ms)")
        parser.add_argument("--no-opcua", action="store_true", help="no OPC-UA sessions")
        parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics here")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="run N gateway processes sharing the subscription (one core each)",
        )
        parser.add_argument(
            "--user-per-worker",
            action="store_true",
            help="worker i signs in as <MQTT_URL's user>-w<i> (a broker using user names as "
            "client ids: `mqtt_acl --gateway-workers N` writes those users)",
        )

    def handle(self, *args, **options):
        if options["workers"] > 1:
            return self.supervise(options)
        member, members = 0, 1
        if options["member"]:
            try:
                member, members = (int(x) for x in options["member"].split("/"))
            except ValueError:
                raise CommandError("--member is I/N, e.g. 0/2") from None
            if not 0 <= member < members:
                raise CommandError("--member: I must be within 0 … N-1")
        window = options["batch_window_ms"]
        gateway = Gateway(
            gateway_options_from_settings(
                share=options["share"],
                member=member,
                members=members,
                client_id=options["client_id"],
                batch_max=options["batch_max"],
                batch_window_s=window / 1000 if window is not None else None,
                opcua=not options["no_opcua"],
            )
        )
        if options["metrics_port"]:
            start_http_server(options["metrics_port"], addr="127.0.0.1")

        def stop(signum, frame):
            log.info("gateway stopping (signal %s)", signum)
            gateway.stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        gateway.run_forever()
        self.stdout.write(
            f"gateway stopped: {gateway.stats.received} received, {gateway.stats.stored} stored, "
            f"{gateway.stats.rejected} rejected, {gateway.stats.commands_sent} commands sent"
        )

    def supervise(self, options) -> None:
        """N worker processes, each `run_gateway` with its own client id, one shared group and
        its share of the OPC-UA controllers; a worker that dies is started again."""
        count = options["workers"]
        base_id = options["client_id"] or settings.MQTT_CLIENT_ID
        group = options["share"] or base_id.replace("/", "_")

        user = mqtt_credentials(settings.MQTT_URL)[0]
        if options["user_per_worker"] and not user:
            raise CommandError("--user-per-worker: MQTT_URL carries no user (mqtt://user:pw@…)")
        worker_users = gateway_worker_users(user or "", count)

        def env(index: int) -> dict[str, str] | None:
            if not options["user_per_worker"]:
                return None  # the same environment, and broker user, as this process
            url = mqtt_url_with_user(settings.MQTT_URL, worker_users[index])
            return {**os.environ, "MQTT_URL": url}

        def argv(index: int) -> list[str]:
            args = [sys.executable, sys.argv[0], "run_gateway", "--share", group]
            args += ["--client-id", f"{base_id}-w{index}", "--member", f"{index}/{count}"]
            for name in ("batch_max", "batch_window_ms"):
                if options[name] is not None:
                    args += [f"--{name.replace('_', '-')}", str(options[name])]
            if options["no_opcua"]:
                args.append("--no-opcua")
            return args

        stopping = {"now": False}

        def stop(signum, frame):
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        workers = {i: subprocess.Popen(argv(i), env=env(i)) for i in range(count)}  # noqa: S603
        log.info("gateway: %d workers in shared group %s", count, group)
        while not stopping["now"]:
            time.sleep(1)
            for index, process in list(workers.items()):
                if process.poll() is not None and not stopping["now"]:
                    log.warning(
                        "gateway worker %d exited (%s); starting it again",
                        index,
                        process.returncode,
                    )
                    time.sleep(1)
                    workers[index] = subprocess.Popen(argv(index), env=env(index))  # noqa: S603
        for process in workers.values():
            process.terminate()
        for process in workers.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
