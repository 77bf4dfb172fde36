from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = "Devices and assets"
    # `manage.py demo` seeds the City of London layout into an empty registry.
    demo_prepare = ["devices.demo_data.seed_if_empty"]
    # The embedded demo: a broker when none listens at MQTT_URL, the simulated city, the gateway
    # (stopped in the reverse order: the gateway first, so it never sees its devices vanish).
    demo_services = [
        "devices.gateway.embedded.run_broker",
        "devices.simulators.embedded.run_simulators",
        "devices.gateway.embedded.run_gateway",
    ]
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
