"""`manage.py simulate`: simulated streetlights, cameras, sensors and OPC-UA controllers.

    manage.py simulate --lamps 200 --cameras 5 --sensors 3 --telemetry-interval 10
    manage.py simulate --from-registry --frigate --drop-acks 0.05 --duration 600
    manage.py simulate --from-registry --onvif --storm-after 60

Prints a progress line every --progress-every seconds and a summary at the end; Ctrl-C stops
it cleanly (devices are marked offline). See docs/simulators.md.
"""

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devices.simulators.city import city_from_registry, run_city, synthetic_city
from devices.simulators.mqtt_devices import SimOptions


def ratio(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(text)
    return value


def non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Simulates streetlights, cameras, sensors and OPC-UA controllers against the broker."

    def add_arguments(self, parser) -> None:
        what = parser.add_argument_group("what to simulate")
        what.add_argument("--from-registry", action="store_true", help="every asset in service")
        what.add_argument("--lamps", type=int, default=0, help="MQTT streetlights (SIM-SL-…)")
        what.add_argument("--cameras", type=int, default=0, help="cameras (SIM-CAM-…)")
        what.add_argument("--sensors", type=int, default=0, help="lux sensors (SIM-LUX-…)")
        what.add_argument("--gauges", type=int, default=0, help="river gauges (SIM-FG-…)")
        what.add_argument("--opcua-lamps", type=int, default=0, help="lights behind a controller")
        what.add_argument(
            "--controller-endpoint",
            default="opc.tcp://127.0.0.1:4841/city/",
            help="endpoint of the simulated controller for --opcua-lamps",
        )
        what.add_argument("--id-prefix", default="SIM", help="prefix of made-up device ids")

        how = parser.add_argument_group("rates and faults")
        how.add_argument("--telemetry-interval", type=non_negative, default=60.0, help="s")
        how.add_argument("--sensor-interval", type=non_negative, default=60.0, help="s")
        how.add_argument("--event-rate", type=non_negative, default=0.2, help="events/s city-wide")
        how.add_argument("--ack-delay", type=non_negative, default=0.2, help="s")
        how.add_argument("--drop-acks", type=ratio, default=0.0, help="ratio of acks lost")
        how.add_argument("--garbage", type=ratio, default=0.0, help="ratio of garbage telemetry")
        how.add_argument("--disconnect-every", type=non_negative, default=0.0, help="s (0: never)")
        how.add_argument("--fault-rate", type=non_negative, default=0.0, help="lamp faults/hour")
        how.add_argument("--frigate", action="store_true", help="cameras publish as Frigate")
        how.add_argument("--frigate-topic", default=settings.FRIGATE_TOPIC)
        how.add_argument(
            "--onvif", action="store_true", help="cameras with an ONVIF source publish Profile M"
        )
        how.add_argument("--onvif-rate", type=non_negative, default=0.2, help="events/s city-wide")
        how.add_argument(
            "--storm-after",
            type=non_negative,
            default=None,
            metavar="SECONDS",
            help="a storm: the river gauges rise this long after the start, then fall back",
        )

        run = parser.add_argument_group("connections and run")
        run.add_argument("--broker", default=settings.MQTT_URL, help="mqtt://host:port")
        run.add_argument("--prefix", default=settings.MQTT_TOPIC_PREFIX, help="topic prefix")
        mode = run.add_mutually_exclusive_group()
        mode.add_argument("--multiplexed", dest="multiplexed", action="store_true", default=None)
        mode.add_argument("--per-device", dest="multiplexed", action="store_false")
        parser.set_defaults(multiplexed=None)
        run.add_argument("--connections", type=int, default=4, help="in multiplexed mode")
        run.add_argument("--duration", type=non_negative, default=0.0, help="s (0: until Ctrl-C)")
        run.add_argument("--progress-every", type=non_negative, default=10.0, help="s")
        run.add_argument("--seed", type=int, default=None)

    def handle(self, *args, **opts) -> None:
        counts = [opts[k] for k in ("lamps", "cameras", "sensors", "gauges", "opcua_lamps")]
        if any(n < 0 for n in counts):
            raise CommandError("counts must be zero or more")
        if opts["connections"] < 1:
            raise CommandError("--connections must be at least 1")
        if opts["from_registry"]:
            city = city_from_registry()
        else:
            city = synthetic_city(
                lamps=opts["lamps"],
                cameras=opts["cameras"],
                sensors=opts["sensors"],
                gauges=opts["gauges"],
                opcua_lamps=opts["opcua_lamps"],
                controller_endpoint=opts["controller_endpoint"],
                id_prefix=opts["id_prefix"],
            )
        if city.empty:
            raise CommandError(
                "nothing to simulate: give --lamps/--cameras/--sensors/--gauges/--opcua-lamps, "
                "or --from-registry with assets in the registry"
            )
        options = SimOptions(
            broker_url=opts["broker"],
            prefix=opts["prefix"].strip("/"),
            telemetry_interval_s=opts["telemetry_interval"],
            sensor_interval_s=opts["sensor_interval"],
            ack_delay_s=opts["ack_delay"],
            drop_ack_ratio=opts["drop_acks"],
            garbage_ratio=opts["garbage"],
            disconnect_every_s=opts["disconnect_every"],
            fault_rate_per_hour=opts["fault_rate"],
            event_rate_per_s=opts["event_rate"],
            frigate=opts["frigate"],
            frigate_topic=opts["frigate_topic"],
            onvif=opts["onvif"],
            onvif_rate_per_s=opts["onvif_rate"],
            storm_after_s=opts["storm_after"],
            multiplexed=opts["multiplexed"],
            connections=opts["connections"],
            latitude=settings.SITE_LATITUDE,
            longitude=settings.SITE_LONGITUDE,
            seed=opts["seed"],
        )
        self.stdout.write(
            f"Simulating {city.describe()} on {options.broker_url} under {options.prefix}/ "
            "(Ctrl-C stops)"
        )
        if options.storm_after_s is not None:
            self.stdout.write(f"A storm raises the river in {options.storm_after_s:g} s.")
        asyncio.run(self.simulate(city, options, opts["duration"], opts["progress_every"]))

    async def simulate(self, city, options, duration: float, progress_every: float) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if duration:
            loop.call_later(duration, stop.set)

        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        await run_city(city, options, stop, progress=say, progress_every_s=progress_every or 1e9)
