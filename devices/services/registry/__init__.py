"""Writes of the asset registry, by sub-domain: `zones` (zones and the computed assignment of
assets to them), `assets` (registration, changes, decommissioning, deletion, with the
kind-specific details), `maintenance` (work orders) and `changes` (what every write does
besides: the audit's values, the gateways told after the commit). Every change a person makes
is audited. The field lists are devices/asset_fields.py's.

The names callers use are re-exported here (`from devices.services.registry import
asset_create`, `services.zone_update(…)` after `from devices.services import registry as
services`).
"""

from devices.services.registry.assets import (
    asset_create,
    asset_decommission,
    asset_delete,
    asset_history,
    asset_location_check,
    asset_update,
    details_build,
    details_of,
)
from devices.services.registry.changes import (
    REGISTRY_CHANGED,
    audit_value,
    registry_changed_notify,
)
from devices.services.registry.maintenance import (
    MAINTENANCE_FIELDS,
    maintenance_open,
    maintenance_update,
)
from devices.services.registry.zones import (
    ZONE_FIELDS,
    assets_zone_reassign,
    zone_create,
    zone_delete,
    zone_for_point,
    zone_index_build,
    zone_update,
)

__all__ = [
    "MAINTENANCE_FIELDS",
    "REGISTRY_CHANGED",
    "ZONE_FIELDS",
    "asset_create",
    "asset_decommission",
    "asset_delete",
    "asset_history",
    "asset_location_check",
    "asset_update",
    "assets_zone_reassign",
    "audit_value",
    "details_build",
    "details_of",
    "maintenance_open",
    "maintenance_update",
    "registry_changed_notify",
    "zone_create",
    "zone_delete",
    "zone_for_point",
    "zone_index_build",
    "zone_update",
]
