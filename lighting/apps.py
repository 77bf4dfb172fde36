from django.apps import AppConfig


class LightingConfig(AppConfig):
    name = "lighting"
    verbose_name = "Lighting control"
    demo_prepare = ["lighting.demo.programme_if_missing"]
    # Reads are open to every role (cityplatform.access_platform): Viewers see everything here.
    role_permissions = {
        "Lighting operators": [
            "add_programme",
            "change_programme",
            "delete_programme",
            "add_calendar",
            "change_calendar",
            "delete_calendar",
            "add_lightgroup",
            "change_lightgroup",
            "delete_lightgroup",
            "add_calendarassignment",
            "change_calendarassignment",
            "delete_calendarassignment",
            "add_override",
            "change_override",
            "cancel_override",
            "emergency_mode",
        ],
        "Security operators": ["create_security_boost"],
        "Security supervisors": ["create_security_boost", "emergency_mode"],
    }
