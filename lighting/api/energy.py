"""GET lighting/energy/: the energy report of a local day, per zone (rolled up the zone tree),
per light or per half hour, a month of days, or the BSCP520 half-hourly file per charge code,
as JSON or CSV (parse, call `lighting.services.energy`, render)."""

from datetime import date, timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.api import ApplicationError, day_problem, parse_id
from lighting.services import energy as energy_services

BY = ("zone", "light", "half_hour", "charge_code", "day")
MAX_DAYS = 62  # a range of days is counted on request, a report per day


class EnergyView(APIView):
    """GET energy/?date=YYYY-MM-DD[&zone=<id>][&by=zone|light|half_hour|charge_code][&export=csv]:
    energy per zone (each zone with the zones within it; with half-hourly totals and their
    estimated part), per light, or per settlement period and charge code (BSCP520, CSV only)
    for a local day; `by=day&month=YYYY-MM`: each day of a month, or `by=day&from=&to=`
    (YYYY-MM-DD, inclusive, at most MAX_DAYS): each day of that range. Estimated figures are
    marked; a zone or day without data says so (`has_data`), with kWh, cost, CO₂ and the
    saving against the undimmed baseline. `period=night`: the night from noon of `date` to
    noon the next day (the BSCP520 file is always the settlement day)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="default: yesterday"),
            OpenApiParameter("zone", OpenApiTypes.INT),
            OpenApiParameter(
                "by", OpenApiTypes.STR, enum=["zone", "light", "half_hour", "charge_code", "day"]
            ),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM, with by=day"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="with by=day and to"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="with by=day and from"),
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                enum=["day", "night"],
                description="night: local noon of `date` to noon the next day",
            ),
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
        if by not in BY:
            raise ApplicationError(
                "by must be one of " + ", ".join(BY) + ".", extra={"fields": {"by": ["unknown"]}}
            )
        if by == "day":
            return self.month(request, zone=parse_id(zone))
        night = request.query_params.get("period", "day") == "night" and by != "charge_code"
        report = energy_services.energy_report(day=day, zone_id=parse_id(zone), night=night)
        if by == "charge_code" and request.query_params.get("export") != "csv":
            raise ApplicationError(
                "by=charge_code is the BSCP520 file: add export=csv.",
                extra={"fields": {"export": ["csv"]}},
            )
        if request.query_params.get("export") == "csv":
            writers = {
                "light": energy_services.energy_csv_lights,
                "charge_code": energy_services.energy_csv_bscp520,
            }
            body = writers.get(by, energy_services.energy_csv_half_hours)(report)
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="energy-{day}{"-night" if night else ""}-{by}.csv"'
            )
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
                z.pop("estimated_half_hours")
        return Response(
            {
                "date": day,
                "period": "night" if night else "day",
                "time_zone": report.time_zone,
                "slots": report.slots,
                "zones": zones,
                "total": report.total(),
            }
        )

    def month(self, request, *, zone: int | None):
        if "from" in request.query_params or "to" in request.query_params:
            return self.days(request, zone=zone)
        raw = request.query_params.get("month", "")
        try:
            year, month = (int(x) for x in raw.split("-")) if len(raw) == 7 else (0, 0)
            first = date(year, month, 1)
        except ValueError:
            first = None
        if first is None or day_problem(first):
            raise ApplicationError(
                "month must be YYYY-MM.", extra={"fields": {"month": ["e.g. 2026-11"]}}
            )
        return Response(energy_services.energy_month(year=year, month=month, zone_id=zone))

    def days(self, request, *, zone: int | None):
        bounds = {}
        for name in ("from", "to"):
            raw = request.query_params.get(name, "")
            try:
                bounds[name] = parse_date(raw) if raw else None
            except ValueError:  # well formed but not a date
                bounds[name] = None
            if bounds[name] is None:
                raise ApplicationError(
                    f"{name} must be YYYY-MM-DD (both from and to, for a range of days).",
                    extra={"fields": {name: ["e.g. 2026-11-20"]}},
                )
            if problem := day_problem(bounds[name]):
                raise ApplicationError(f"{name} {problem}.", extra={"fields": {name: [problem]}})
        first, last = bounds["from"], bounds["to"]
        if last < first:
            raise ApplicationError(
                "The end is before the start.", extra={"fields": {"to": ["before from"]}}
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise ApplicationError(
                f"A range of days is at most {MAX_DAYS} days; ask for a shorter one.",
                extra={"fields": {"to": [f"at most {MAX_DAYS} days after from"]}},
            )
        return Response(energy_services.energy_days(first=first, last=last, zone_id=zone))
