from django.apps import AppConfig


class LightingConfig(AppConfig):
    name = "lighting"
    verbose_name = "Lighting control"
    role_permissions: dict[str, list[str]] = {}
