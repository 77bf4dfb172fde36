"""Filters of the registry API (django-filter)."""

import django_filters
from django.db.models import Q

from cityplatform.api import InstantFilter
from devices.choices import AssetKind, FaultType, LifecycleStatus, MaintenanceStatus, ZoneKind
from devices.models import Asset, Fault, MaintenanceRecord, Zone
from devices.selectors.registry import bbox_q, parse_bbox, zone_and_descendants, zones_in_bbox_q

# The choice filters test a column of the row itself (no join), so they never produce duplicate
# rows: distinct=False spares every count a DISTINCT over the whole result.


class AssetFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=AssetKind.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=LifecycleStatus.choices, distinct=False)
    zone = django_filters.NumberFilter(
        method="filter_zone", label="Zone id (assets in it and in the zones inside it)"
    )
    online = django_filters.BooleanFilter(
        method="filter_online", label="true: online; false: offline or never heard from"
    )
    bbox = django_filters.CharFilter(
        method="filter_bbox", label="min_lon,min_lat,max_lon,max_lat (WGS84)"
    )
    manufacturer = django_filters.CharFilter(lookup_expr="iexact")
    protocol = django_filters.ChoiceFilter(
        field_name="streetlight__protocol",
        choices=[("mqtt", "MQTT"), ("opcua", "OPC-UA")],
        label="Streetlights controlled over this protocol",
    )
    controller = django_filters.CharFilter(
        field_name="streetlight__controller__device_id", label="Lights of this controller"
    )

    class Meta:
        model = Asset
        fields = ["kind", "status", "zone", "online", "bbox", "manufacturer", "protocol"]

    def filter_zone(self, queryset, name, value):
        return queryset.filter(zone_id__in=zone_and_descendants(zone_id=int(value)))

    def filter_online(self, queryset, name, value):
        if value:
            return queryset.filter(state__online=True)
        return queryset.filter(Q(state__online=False) | Q(state__online__isnull=True))

    def filter_bbox(self, queryset, name, value):
        return queryset.filter(bbox_q(parse_bbox(value)))


class ZoneFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ZoneKind.choices, distinct=False)
    parent = django_filters.NumberFilter(field_name="parent_id")
    bbox = django_filters.CharFilter(method="filter_bbox", label="min_lon,min_lat,max_lon,max_lat")

    class Meta:
        model = Zone
        fields = ["kind", "parent", "lighting_class", "bbox"]

    def filter_bbox(self, queryset, name, value):
        return queryset.filter(zones_in_bbox_q(parse_bbox(value)))


class FaultFilter(django_filters.FilterSet):
    device_id = django_filters.CharFilter(field_name="asset__device_id")
    type = django_filters.MultipleChoiceFilter(choices=FaultType.choices, distinct=False)
    open = django_filters.BooleanFilter(field_name="cleared_at", lookup_expr="isnull")
    raised_after = InstantFilter(field_name="raised_at", lookup_expr="gte")
    raised_before = InstantFilter(field_name="raised_at", lookup_expr="lt")
    zone = django_filters.NumberFilter(method="filter_zone")

    class Meta:
        model = Fault
        fields = ["device_id", "type", "open"]

    def filter_zone(self, queryset, name, value):
        return queryset.filter(asset__zone_id__in=zone_and_descendants(zone_id=int(value)))


class MaintenanceFilter(django_filters.FilterSet):
    device_id = django_filters.CharFilter(field_name="asset__device_id")
    status = django_filters.MultipleChoiceFilter(choices=MaintenanceStatus.choices, distinct=False)

    class Meta:
        model = MaintenanceRecord
        fields = ["device_id", "status", "kind"]
