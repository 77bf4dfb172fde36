"""What each role sees in the navigation: an entry shows only when its permission is held.

The first entry a user may open is also where the home page sends them, so the order is the
order of precedence for a person who holds several roles.
"""

from dataclasses import dataclass

from django.urls import reverse

from cityplatform.permissions import has_perm
from dashboards import permissions as perms


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    permission: str
    landing: bool = True  # may the home page send a user here

    @property
    def url(self) -> str:
        return self.url_name if self.url_name.startswith("/") else reverse(self.url_name)


NAVIGATION: list[NavItem] = [
    NavItem("security", "Security console", "page-security", perms.SECURITY_CONSOLE),
    NavItem("plans", "Emergency plans", "page-plans", perms.EMERGENCY_PLANS, landing=False),
    NavItem("lighting", "Lighting", "page-lighting", perms.LIGHTING_PAGES),
    NavItem("assets", "Assets", "page-assets", perms.ASSET_PAGES),
    NavItem("insights", "Insights", "page-insights", perms.INSIGHTS, landing=False),
    NavItem("overview", "Overview", "page-overview", perms.OVERVIEW),
    NavItem("purposes", "Camera purposes", "page-purposes", "cctv.change_purpose", landing=False),
    NavItem("api", "API", "/api/docs/", "cityplatform.access_platform", landing=False),
    NavItem(
        "audit",
        "Audit log",
        "/admin/cityplatform/auditentry/",
        "cityplatform.view_auditentry",
        landing=False,
    ),
]


def navigation_for(user) -> list[NavItem]:
    return [item for item in NAVIGATION if has_perm(user, item.permission)]


def landing_for(user) -> NavItem | None:
    """The page the home sends `user` to: their role's own page, or None without a role."""
    return next((item for item in navigation_for(user) if item.landing), None)
