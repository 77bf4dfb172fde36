from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = "Devices and assets"
    role_permissions: dict[str, list[str]] = {}
