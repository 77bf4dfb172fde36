"""Template context for every page: the navigation of the signed-in user and the map settings.

Pages include it through `dashboards.views.render_page` (the settings module is not ours to add
a context processor to), so each view passes `active` and gets the rest from here.
"""

from django.conf import settings
from django.urls import reverse

from cityplatform.permissions import has_perm
from dashboards import permissions as perms
from dashboards.navigation import navigation_for


def page_context(request, *, active: str = "") -> dict:
    return {
        "navigation": navigation_for(request.user),
        "active": active,
        # Every time on a page is in this zone, and says so (cityplatform.timefmt, time.js).
        "site_time_zone": settings.TIME_ZONE,
        "map_config": {
            "tileUrl": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "center": [settings.SITE_LATITUDE, settings.SITE_LONGITUDE],
            # No tile server: the platform's own base layer of streets and names.
            "streetsUrl": "" if settings.MAP_TILE_URL else reverse("page-map-streets"),
            # A light or camera links to its asset page for those who may open it.
            "assetUrl": reverse("page-asset", args=["ID"]).replace("ID/", "")
            if has_perm(request.user, perms.ASSET_PAGES)
            else "",
            "inventoryUrl": reverse("page-assets")
            if has_perm(request.user, perms.ASSET_PAGES)
            else "",
            # Whoever may create any override may make one of the lights drawn around.
            "maySelectOverride": has_perm(request.user, "lighting.add_override"),
        },
    }
