from django.apps import AppConfig

_ALERTS_READ = [
    "view_capalert",
    "view_refusedalert",
    "view_publishedalert",
    "view_thresholdrule",
]
_THRESHOLDS_EDIT = ["add_thresholdrule", "change_thresholdrule", "delete_thresholdrule"]
_PLANS_READ = ["view_emergencyplan", "view_planrun"]
_PLANS_WORK = ["add_emergencyplan", "change_emergencyplan", "run_plan"]


class EmergencyConfig(AppConfig):
    name = "emergency"
    verbose_name = "Emergency warnings (CAP 1.2)"
    # `manage.py demo` adds flood threshold rules on the demo city's river gauges.
    demo_prepare = ["emergency.demo.thresholds_if_missing"]
    # Warnings received become alarms in the security queue (cctv); the operators and the
    # supervisors read the alerts behind them; supervisors publish the city's own alerts
    # (publish_alert). Feeds and geocodes: administrators (every permission). Emergency
    # plans: operators see them and their runs; supervisors write them, start, stop, dismiss.
    role_permissions = {
        "Security operators": [*_ALERTS_READ, *_PLANS_READ],
        "Security supervisors": [
            *_ALERTS_READ,
            *_THRESHOLDS_EDIT,
            *_PLANS_READ,
            *_PLANS_WORK,
            "publish_alert",
            "view_capfeed",
        ],
        "Viewers": ["view_publishedalert"],
    }

    def ready(self) -> None:
        # deferred: the receivers import the services and so the models, which cannot load
        # while Django imports apps.py
        from emergency.receivers import receivers_connect

        receivers_connect()

        # Partners hear of warnings, plans and the city's alerts (notifications).
        # deferred: emergency.partners imports the emergency and notifications models, not
        # loadable while Django imports this module (ready() runs once they are)
        from emergency import partners

        partners.connect()
