"""Template context for every page: the navigation of the signed-in user and the map settings.

Pages include it through `dashboards.views.render_page` (the settings module is not ours to add
a context processor to), so each view passes `active` and gets the rest from here.
"""

from django.conf import settings

from dashboards.navigation import navigation_for


def page_context(request, *, active: str = "") -> dict:
    return {
        "navigation": navigation_for(request.user),
        "active": active,
        "map_config": {
            "tileUrl": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "center": [settings.SITE_LATITUDE, settings.SITE_LONGITUDE],
        },
    }
