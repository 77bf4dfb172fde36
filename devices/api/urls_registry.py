"""Registry routes: zones, assets, faults, maintenance, import and export."""

urlpatterns: list = []
