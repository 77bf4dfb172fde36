from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = "Devices and assets"
    # Reads are open to every role (cityplatform.access_platform); these are the writes.
    role_permissions = {
        "Asset managers": [
            "add_zone",
            "change_zone",
            "add_asset",
            "change_asset",
            "import_assets",
            "decommission_asset",
            "add_fault",
            "change_fault",
            "add_maintenancerecord",
            "change_maintenancerecord",
            "view_rejectedmessage",
        ],
    }
