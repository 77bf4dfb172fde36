"""What each role sees in the navigation: an entry shows only when its permission is held."""

from dataclasses import dataclass

from cityplatform.permissions import has_perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    permission: str


NAVIGATION: list[NavItem] = [
    NavItem("API", "/api/docs/", "cityplatform.access_platform"),
    NavItem("Audit log", "/admin/cityplatform/auditentry/", "cityplatform.view_auditentry"),
]


def navigation_for(user) -> list[NavItem]:
    return [item for item in NAVIGATION if has_perm(user, item.permission)]
