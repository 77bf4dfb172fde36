"""`manage.py mqtt_acl`: the Mosquitto password file and ACL for every device in the registry.

    manage.py mqtt_acl --password-file /etc/mosquitto/city.passwd \
        --acl-file /etc/mosquitto/city.acl --conf-file /etc/mosquitto/city.conf
    manage.py mqtt_acl --show-password SL-0042     # what to provision on that device

Mosquitto then needs `password_file`, `acl_file`, `allow_anonymous false` and, on the devices'
listener, `use_username_as_clientid true` (docs/security.md): `--conf-file` writes those lines.
The gateway's user and password come from MQTT_URL (mqtt://user:password@host:port).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devices.services.mqtt_acl import gateway_credentials, mqtt_acl_write, mqtt_device_password


class Command(BaseCommand):
    help = "Writes the Mosquitto password file and ACL: each device may publish only as itself."

    def add_arguments(self, parser):
        parser.add_argument("--password-file", type=Path)
        parser.add_argument("--acl-file", type=Path)
        parser.add_argument("--prefix", help="topic prefix (default MQTT_TOPIC_PREFIX)")
        parser.add_argument(
            "--gateway-workers",
            type=int,
            default=1,
            metavar="N",
            help="also a broker user per worker of `run_gateway --workers N --user-per-worker`",
        )
        parser.add_argument(
            "--conf-file",
            type=Path,
            help="also write the mosquitto.conf lines that use the files (after the listener)",
        )
        parser.add_argument("--show-password", metavar="DEVICE_ID")

    def handle(self, *args, **options):
        if options["show_password"]:
            self.stdout.write(mqtt_device_password(device_id=options["show_password"]))
            return
        if not options["password_file"] or not options["acl_file"]:
            raise CommandError("give --password-file and --acl-file (or --show-password)")
        try:
            user, password = gateway_credentials(settings.MQTT_URL)
        except ValueError as error:
            raise CommandError(str(error)) from error
        written = mqtt_acl_write(
            password_file=options["password_file"],
            acl_file=options["acl_file"],
            gateway_user=user,
            gateway_password=password,
            prefix=options["prefix"],
            conf_file=options["conf_file"],
            gateway_workers=options["gateway_workers"],
        )
        self.stdout.write(
            f"{written.devices} device(s) and the gateway user {user!r}: "
            f"{written.password_file}, {written.acl_file}"
            + (f", {written.conf_file}" if written.conf_file else "")
        )
        if not written.conf_file:
            self.stdout.write(
                "mosquitto.conf needs, after the devices' listener: allow_anonymous false, "
                "password_file, acl_file and use_username_as_clientid true (--conf-file)"
            )
