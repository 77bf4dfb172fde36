from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards"
    # Which pages each role may open; what it may *do* there is checked by the back-end apps.
    role_permissions = {
        "Security operators": ["view_security_console", "view_overview"],
        "Security supervisors": ["view_security_console", "view_overview"],
        "Lighting operators": ["view_lighting_pages", "view_overview"],
        "Asset managers": ["view_asset_pages", "view_overview"],
        "Viewers": ["view_overview"],
    }

    def ready(self) -> None:
        # deferred: the app registry is not ready while apps.py is imported (models load later)
        from cityplatform.error_pages import register_error_page
        from dashboards.views_errors import error_page

        register_error_page(error_page)
