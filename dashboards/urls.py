from django.urls import path

from dashboards import views, views_insights, views_lighting

# Names are prefixed "page-" (not namespaced): settings' LOGIN_REDIRECT_URL names "home".
urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="page-overview"),
    path("security/", views.security, name="page-security"),
    path("lighting/", views_lighting.lighting, name="page-lighting"),
    path("lighting/programmes/", views_lighting.programmes, name="page-lighting-programmes"),
    path("lighting/calendars/", views_lighting.calendars, name="page-lighting-calendars"),
    path("lighting/energy/", views_lighting.energy, name="page-lighting-energy"),
    path("assets/", views.assets, name="page-assets"),
    path("assets/import/", views.asset_import, name="page-asset-import"),
    path("assets/export.csv", views.asset_export, name="page-asset-export"),
    path("assets/rejected/", views.rejected_messages, name="page-rejected"),
    path("assets/<str:device_id>/", views.asset_detail, name="page-asset"),
    path("insights/", views_insights.insights, name="page-insights"),
    path("pages/map.json", views.map_data, name="page-map-data"),
    path("favicon.ico", views.favicon, name="favicon"),
]
