"""Page permissions (see `dashboards.models.DashboardAccess`) and the decorator the views use."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from cityplatform.permissions import has_perm

SECURITY_CONSOLE = "dashboards.view_security_console"
LIGHTING_PAGES = "dashboards.view_lighting_pages"
ASSET_PAGES = "dashboards.view_asset_pages"
OVERVIEW = "dashboards.view_overview"
# The emergency plans page shows the plans and their runs: whoever may read the runs opens it.
EMERGENCY_PLANS = "emergency.view_planrun"
# The insights page shows the correlation analytics: whoever may read them may open it.
INSIGHTS = "cctv.view_zonehour"


def page_permission(permission: str) -> Callable:
    """Anonymous users go to the sign-in page; a signed-in user without `permission` gets 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, permission):
                raise PermissionDenied("Your role may not open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
