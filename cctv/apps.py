from django.apps import AppConfig

_ALARM_WORK = ["view_event", "view_alarm", "work_alarm", "view_welfare_alarm"]


class CctvConfig(AppConfig):
    name = "cctv"
    verbose_name = "CCTV events and alarms"
    demo_prepare = ["cctv.demo.rules_if_missing"]
    # Restricted access (Surveillance Camera Code, principle 7). Welfare alarms
    # (view_welfare_alarm) go to supervisors and to security operators, who are trained to
    # handle them; never to viewers. Legal holds and evidence exports (manage_evidence) are
    # the supervisors'. Webhook sources and their secrets: administrators only (superusers and
    # the Administrators group, which carries every permission).
    role_permissions = {
        "Security operators": [*_ALARM_WORK, "view_alarmrule", "view_purpose"],
        # The correlation analytics (zone-hour aggregates, hotspots, recommendations): for
        # the Smart City staff who act on them and the security supervisors.
        "Lighting operators": ["view_zonehour"],
        "Security supervisors": [
            *_ALARM_WORK,
            "view_alarmrule",
            "add_alarmrule",
            "change_alarmrule",
            "delete_alarmrule",
            "manage_evidence",
            "view_legalhold",
            "view_evidenceexport",
            "view_zonehour",
            # The purpose register and the annual review (Surveillance Camera Code, 3 and 10).
            "view_purpose",
            "add_purpose",
            "change_purpose",
            "publish_purpose",
            "view_review_report",
        ],
        "Viewers": ["view_event", "view_alarm"],
    }

    def ready(self) -> None:
        # deferred: the app registry is not ready while apps.py is imported (models load later)
        from cctv.services.ingest import events_ingest
        from devices.events import register_event_sink

        register_event_sink(events_ingest)
