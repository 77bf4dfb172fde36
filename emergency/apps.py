from django.apps import AppConfig

_ALERTS_READ = [
    "view_capalert",
    "view_refusedalert",
    "view_publishedalert",
    "view_thresholdrule",
]
_THRESHOLDS_EDIT = ["add_thresholdrule", "change_thresholdrule", "delete_thresholdrule"]


class EmergencyConfig(AppConfig):
    name = "emergency"
    verbose_name = "Emergency warnings (CAP 1.2)"
    # `manage.py demo` adds flood threshold rules on the demo city's river gauges.
    demo_prepare = ["emergency.demo.thresholds_if_missing"]
    # Warnings received become alarms in the security queue (cctv); the operators and the
    # supervisors read the alerts behind them; supervisors publish the city's own alerts
    # (publish_alert). Feeds and geocodes: administrators (every permission).
    role_permissions = {
        "Security operators": [*_ALERTS_READ],
        "Security supervisors": [*_ALERTS_READ, *_THRESHOLDS_EDIT, "publish_alert", "view_capfeed"],
        "Viewers": ["view_publishedalert"],
    }
