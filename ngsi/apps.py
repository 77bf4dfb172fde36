from django.apps import AppConfig


class NgsiConfig(AppConfig):
    """The NGSI-LD northbound API (ETSI GS CIM 009) over the Smart Data Models."""

    name = "ngsi"
    verbose_name = "NGSI-LD"

    def ready(self) -> None:
        # deferred: the app registry is not ready while apps.py is imported (models load later)
        from devices.events import register_state_sink
        from ngsi.notify import state_sink

        register_state_sink(state_sink)
