"""GET lighting/energy/: the energy report of a local day, per zone, per light or per half hour,
as JSON or CSV (parse, call `lighting.services.energy`, render)."""

from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.api import ApplicationError, day_problem, parse_id
from lighting.services import energy as energy_services


class EnergyView(APIView):
    """GET energy/?date=YYYY-MM-DD[&zone=<id>][&by=zone|light|half_hour][&export=csv]:
    energy per zone (with half-hourly totals, and their estimated part) or per light for a
    local day; estimated figures are marked."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="default: yesterday"),
            OpenApiParameter("zone", OpenApiTypes.INT),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["zone", "light", "half_hour"]),
            OpenApiParameter("export", OpenApiTypes.STR, enum=["csv"]),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,  # export=csv
        },
    )
    def get(self, request):
        raw_day = request.query_params.get("date", "")
        try:
            day = parse_date(raw_day) if raw_day else timezone.localdate() - timedelta(days=1)
        except ValueError:  # well formed but not a date, such as 2026-13-45
            day = None
        if day is None:
            raise ApplicationError(
                "date must be YYYY-MM-DD.", extra={"fields": {"date": ["e.g. 2026-11-20"]}}
            )
        if problem := day_problem(day):
            raise ApplicationError(f"date {problem}.", extra={"fields": {"date": [problem]}})
        zone = request.query_params.get("zone")
        if zone is not None and parse_id(zone) is None:
            raise ApplicationError("zone must be a zone id.", extra={"fields": {"zone": ["id"]}})
        by = request.query_params.get("by", "zone")
        if by not in ("zone", "light", "half_hour"):
            raise ApplicationError(
                "by must be zone, light or half_hour.", extra={"fields": {"by": ["unknown"]}}
            )
        report = energy_services.energy_report(day=day, zone_id=parse_id(zone))
        if request.query_params.get("export") == "csv":
            body = (
                energy_services.energy_csv_lights(report)
                if by == "light"
                else energy_services.energy_csv_half_hours(report)
            )
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="energy-{day}-{by}.csv"'
            return response
        if by == "light":
            rows = [
                {
                    "light_id": x.light_id,
                    "device_id": x.device_id,
                    "zone_id": x.zone_id,
                    "energy_wh": x.wh,
                    "method": x.method,
                    "estimated": x.estimated,
                }
                for x in report.lights
            ]
            return Response({"date": day, "lights": rows})
        zones = list(report.zone_totals().values())
        if by == "zone":
            for z in zones:
                z.pop("half_hours")
        else:  # the estimated part of each half hour, so that a chart can mark it
            estimated = {z["zone_id"]: [0.0] * len(report.slots) for z in zones}
            for light in report.lights:
                if light.estimated:
                    for i, wh in enumerate(light.slots):
                        estimated[light.zone_id][i] += wh
            for z in zones:
                z["estimated_half_hours"] = [round(wh, 3) for wh in estimated[z["zone_id"]]]
        return Response(
            {"date": day, "time_zone": report.time_zone, "slots": report.slots, "zones": zones}
        )
