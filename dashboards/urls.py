from django.urls import path

from dashboards import (
    views,
    views_assets,
    views_import,
    views_insights,
    views_lighting,
    views_open311,
    views_plans,
    views_register,
)

# Names are prefixed "page-" (not namespaced): settings' LOGIN_REDIRECT_URL names "home".
urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="page-overview"),
    path("security/", views.security, name="page-security"),
    path("security/plans/", views_plans.plans, name="page-plans"),
    path("lighting/", views_lighting.lighting, name="page-lighting"),
    path("lighting/programmes/", views_lighting.programmes, name="page-lighting-programmes"),
    path("lighting/calendars/", views_lighting.calendars, name="page-lighting-calendars"),
    path("lighting/energy/", views_lighting.energy, name="page-lighting-energy"),
    path("assets/", views.assets, name="page-assets"),
    path("assets/import/", views_import.asset_import, name="page-asset-import"),
    path(
        "assets/import/<uuid:job_id>/", views_import.asset_import_job, name="page-asset-import-job"
    ),
    path(
        "pages/imports/<uuid:job_id>.json",
        views_import.asset_import_status,
        name="page-asset-import-status",
    ),
    path("assets/export.csv", views.asset_export, name="page-asset-export"),
    path("assets/rejected/", views.rejected_messages, name="page-rejected"),
    path("assets/reports/", views_open311.triage, name="page-reports-triage"),
    path(
        "assets/reports/<str:public_id>/assign/",
        views_open311.triage_action,
        {"action": "assign"},
        name="page-reports-assign",
    ),
    path(
        "assets/reports/<str:public_id>/close/",
        views_open311.triage_action,
        {"action": "close"},
        name="page-reports-close",
    ),
    path("assets/bulk/", views_assets.assets_bulk, name="page-assets-bulk"),
    path("assets/<str:device_id>/", views.asset_detail, name="page-asset"),
    path("assets/<str:device_id>/edit/", views_assets.asset_edit, name="page-asset-edit"),
    path(
        "assets/<str:device_id>/decommission/",
        views_assets.asset_decommission,
        name="page-asset-decommission",
    ),
    path(
        "assets/<str:device_id>/maintenance/",
        views_assets.maintenance_log,
        name="page-asset-maintenance",
    ),
    path(
        "assets/<str:device_id>/maintenance/<int:record_id>/",
        views_assets.maintenance_progress,
        name="page-asset-maintenance-progress",
    ),
    path(
        "assets/<str:device_id>/faults/<int:fault_id>/acknowledge/",
        views_assets.fault_action,
        {"action": "acknowledge"},
        name="page-asset-fault-acknowledge",
    ),
    path(
        "assets/<str:device_id>/faults/<int:fault_id>/clear/",
        views_assets.fault_action,
        {"action": "clear"},
        name="page-asset-fault-clear",
    ),
    path("report/", views_open311.report, name="page-report"),  # public: residents, no account
    path("report/<str:public_id>/", views_open311.report_follow, name="page-report-follow"),
    path("insights/", views_insights.insights, name="page-insights"),
    path("pages/map.json", views.map_data, name="page-map-data"),
    path("pages/scope-count.json", views.scope_count, name="page-scope-count"),
    path("pages/lighting-state.html", views_lighting.lighting_state, name="page-lighting-state"),
    path("pages/streets.json", views.map_streets, name="page-map-streets"),
    # The public camera register (no sign-in), the purpose register and the annual review.
    path("cameras/register/", views_register.camera_register, name="page-camera-register"),
    path("cctv/purposes/", views_register.purposes, name="page-purposes"),
    path("cctv/purposes/<int:pk>/", views_register.purpose_page, name="page-purpose"),
    path("cctv/review/<int:year>/", views_register.review, name="page-review"),
    path("cctv/review/<int:year>/csv/", views_register.review_csv_file, name="page-review-csv"),
    path("cctv/review/<int:year>/pdf/", views_register.review_pdf_file, name="page-review-pdf"),
    path("favicon.ico", views.favicon, name="favicon"),
]
