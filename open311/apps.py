from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "open311"
    verbose_name = "Residents' reports (Open311 GeoReport v2)"
    # Reports are public (GeoReport); asset managers place the ones no asset matched and close
    # them with a public note. Clients (API keys): administrators (every permission).
    role_permissions = {
        "Asset managers": ["view_servicerequest", "triage_servicerequest"],
    }
