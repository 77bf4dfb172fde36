"""The pages' own permissions: which role may open which page.

`DashboardAccess` has no table; it only carries the permissions that the navigation, the home
redirect and each page check through `cityplatform.permissions.has_perm`. The roles that hold
them are declared in `DashboardsConfig.role_permissions`.
"""

from django.db import models


class DashboardAccess(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_security_console", "Can open the security console"),
            ("view_lighting_pages", "Can open the lighting pages"),
            ("view_asset_pages", "Can open the asset pages"),
            ("view_overview", "Can open the read-only overview"),
        ]

    def __str__(self) -> str:
        return "dashboard access"
