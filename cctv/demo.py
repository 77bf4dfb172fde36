"""What the demo needs of CCTV: the starting alarm rules, so simulated events raise alarms."""

from cctv.services.defaults import alarm_rules_create_defaults


def rules_if_missing(*, stdout) -> None:
    created = alarm_rules_create_defaults(actor="demo")
    if created:
        stdout.write(f"-- {len(created)} starting alarm rules created")
