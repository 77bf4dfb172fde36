"""/talq/v2/: the TALQ 2.7.1 CMS API (devices/api/talq.py, docs/talq.md)."""

from django.urls import path, re_path

from devices.api import talq as views
from devices.api.talq import talq_endpoint

_DEVICE = "devices/<str:deviceAddress>"

urlpatterns = [
    path("services", talq_endpoint({"POST": views.announce}, announce=True), name="talq-services"),
    path(
        "devices",
        talq_endpoint(
            {
                "GET": views.devices_list,
                "POST": views._writer("create", 201),
                "PUT": views._writer("replace", 200),
                "PATCH": views._writer("patch", 200, body=False),
            }
        ),
        name="talq-devices",
    ),
    path(
        _DEVICE,
        talq_endpoint(
            {
                "GET": views.device_get,
                "PUT": views._writer("replace", 200, one=True),
                "PATCH": views._writer("patch", 200, one=True, body=False),
            }
        ),
        name="talq-device",
    ),
    path(f"{_DEVICE}/<str:functionId>", talq_endpoint({"GET": views.function_get})),
    path(
        f"{_DEVICE}/<str:functionId>/<str:attributeName>",
        talq_endpoint({"GET": views.attribute_get}),
    ),
    path("log-reports", talq_endpoint({"POST": views.log_report}), name="talq-log-reports"),
    path("logger-configs/<str:loggerAddress>", talq_endpoint({"GET": views.logger_config})),
    path("groups", talq_endpoint({"GET": views.groups}), name="talq-groups"),
    path("groups/<str:groupAddress>", talq_endpoint({"GET": views.group})),
    path("data-packages", talq_endpoint({"GET": views.data_packages})),
    path("data-packages/<str:packageAddress>", talq_endpoint({"GET": views.data_package})),
    re_path(r"^(?P<rest>.*)$", views.not_served),
]
