from django.apps import AppConfig


class NgsiConfig(AppConfig):
    """The NGSI-LD northbound API (ETSI GS CIM 009) over the Smart Data Models."""

    name = "ngsi"
    verbose_name = "NGSI-LD"
