from django.apps import AppConfig


class CctvConfig(AppConfig):
    name = "cctv"
    verbose_name = "CCTV events and alarms"
    role_permissions: dict[str, list[str]] = {}
