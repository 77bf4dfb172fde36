"""The history charts' data: one asset's telemetry over a range (`range=24h|7d|30d`, or
`from` and `to`), the raw samples for a day or less and the hourly roll-up beyond."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cityplatform.api import ApplicationError, InstantInput
from cityplatform.permissions import ACCESS_PLATFORM
from devices.models import Asset
from devices.selectors.history import MAX_RANGE, telemetry_history

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


class HistoryRangeInput(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(RANGES), required=False)
    # `from` is a Python keyword: the field is named in the serializer's fields below.
    to = InstantInput(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = InstantInput(required=False)
        return fields

    def validate(self, data):
        start, end = data.get("from"), data.get("to")
        if "range" in data:
            if start or end:
                raise serializers.ValidationError(
                    {"range": "Give either a range or from and to, not both."}
                )
            end = timezone.now()
            return {"from": end - RANGES[data["range"]], "to": end, "range": data["range"]}
        if not start:
            raise serializers.ValidationError(
                {"from": "Give a range (24h, 7d or 30d) or a from instant."}
            )
        end = end or timezone.now()
        if end <= start:
            raise serializers.ValidationError({"to": "The end is before the start."})
        if end - start > MAX_RANGE:
            raise serializers.ValidationError(
                {"to": f"The range is longer than {MAX_RANGE.days} days."}
            )
        return {"from": start, "to": end, "range": "custom"}


def history_range(query) -> dict:
    """The validated range of a query string; an ApplicationError (400, in words) otherwise."""
    serializer = HistoryRangeInput(data=query)
    if not serializer.is_valid():
        errors = serializer.errors
        raise ApplicationError(_field_sentence(errors), extra={"fields": errors})
    return serializer.validated_data


def _field_sentence(errors) -> str:
    field, messages = next(iter(errors.items()))
    text = str(messages[0] if isinstance(messages, list) else messages)
    if field == "range" and "valid choice" in text:
        return "The range must be 24h, 7d or 30d (or give from and to)."
    if field in {"from", "to"} and ("format" in text or "instant" in text.lower()):
        return f"{field}: {text}"
    return text


class AssetTelemetryHistoryApi(APIView):
    """An asset's telemetry for a chart: `range=24h|7d|30d`, or `from` (and `to`, default
    now; at most 366 days). A day or less is the raw samples; up to 31 days the hourly
    roll-up; longer, days summed from the hours. Each point has every metric's mean, least and
    greatest; `samples` 0 means no readings in the range."""

    permission_map = {"GET": ACCESS_PLATFORM}

    @extend_schema(
        parameters=[
            OpenApiParameter("range", str, enum=list(RANGES)),
            OpenApiParameter("from", str, description="ISO 8601 instant"),
            OpenApiParameter("to", str, description="ISO 8601 instant (default: now)"),
        ],
        responses={200: dict},
    )
    def get(self, request, device_id: str):
        window = history_range(request.query_params)
        asset = get_object_or_404(Asset, device_id=device_id)
        body = telemetry_history(asset=asset, start=window["from"], end=window["to"])
        return Response({**body, "range": window["range"], "device_id": asset.device_id})
