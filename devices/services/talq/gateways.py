"""TALQ gateways: known by the key they send (`Authorization: Bearer <talq_cms_key>`), and
their announcement (`POST /services`): services, TALQ address, online, last seen."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from cityplatform.services import audit_record
from devices.choices import AssetKind, ControlProtocol, LifecycleStatus
from devices.models import Asset, AssetState, ControllerDetails
from devices.models.assets import talq_key_digest


class TalqRefused(Exception):
    """A gateway's request refused: `status`, and the TALQ error `key` and `description`."""

    def __init__(self, status: int, key: str, description: str, references=None):
        super().__init__(description)
        self.status, self.key, self.description = status, key, description
        self.references = references or []

    def errors(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {"key": self.key, "description": self.description}
        if self.references:
            error["references"] = self.references
        return [error]


def talq_gateway_for(authorization: str | None) -> Asset:
    """The TALQ gateway asset whose CMS key the header carries. 401 without a key or with an
    unknown one; 403 for the key of a controller that is not (or no longer) a TALQ gateway."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise TalqRefused(
            401, "headerMissing", "An 'Authorization: Bearer <key>' header is needed."
        )
    details = (
        ControllerDetails.objects.select_related("asset")
        .filter(talq_cms_key=talq_key_digest(key))
        .first()
    )
    if details is None:
        raise TalqRefused(401, "headerValueNotValid", "This key is not a TALQ gateway's key.")
    asset = details.asset
    if details.protocol != ControlProtocol.TALQ or asset.kind != AssetKind.CONTROLLER:
        raise TalqRefused(
            403,
            "headerValueNotValid",
            f"The key is that of {asset.device_id}, which is not a TALQ gateway.",
        )
    if asset.status == LifecycleStatus.DECOMMISSIONED:
        raise TalqRefused(403, "headerValueNotValid", f"{asset.device_id} is decommissioned.")
    return asset


def talq_address_check(*, gateway: Asset, client_address: str) -> None:
    """A request's clientAddress must be the gateway's (the one it announced or first used)."""
    known = (gateway.attributes.get("talq") or {}).get("address")
    if known and known != client_address.lower():
        raise TalqRefused(
            400,
            "parameterValueNotValid",
            f"clientAddress {client_address} is not this gateway's address ({known}); "
            "announce the services again (POST /services) if the gateway changed its address.",
        )


def gateway_seen(*, gateway: Asset, now: datetime) -> None:
    """The gateway is online, seen now (the triggers copy `online` into the asset's row)."""
    updated = AssetState.objects.filter(asset=gateway).update(
        online=True, last_seen_at=now, updated_at=now
    )
    if not updated:
        AssetState.objects.create(asset=gateway, online=True, last_seen_at=now)


@transaction.atomic
def talq_announce(
    *, gateway: Asset, client_address: str, services: list[dict[str, Any]], now=None
) -> Asset:
    """Records the services and functions a gateway announces, its TALQ address, online."""
    now = now or timezone.now()
    gateway = Asset.objects.select_for_update().get(pk=gateway.pk)
    talq = dict(gateway.attributes.get("talq") or {})
    previous = talq.get("address")
    talq.update(
        address=client_address.lower(),
        services=services,
        announced_at=now.isoformat(),
    )
    gateway.attributes = {**gateway.attributes, "talq": talq}
    gateway.save(update_fields=["attributes", "updated_at"])
    gateway_seen(gateway=gateway, now=now)
    audit_record(
        actor=f"device:{gateway.device_id}",
        action="talq.announced",
        target=gateway,
        details={
            "address": talq["address"],
            "previous_address": previous,
            "services": [s.get("name") for s in services],
        },
    )
    return gateway
