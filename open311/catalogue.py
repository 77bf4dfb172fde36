"""The services residents may report (GeoReport v2 `services`): each names the kind of asset it
is about and the fault it becomes. Fixed in code: a new service needs a fault type to map to."""

from dataclasses import dataclass

from devices.choices import AssetKind, FaultType
from open311.choices import ServiceCode

GROUP_LIGHTING = "Street lighting"
GROUP_CCTV = "CCTV"


@dataclass(frozen=True, slots=True)
class Service:
    code: ServiceCode
    description: str
    group: str
    keywords: tuple[str, ...]
    asset_kind: AssetKind
    fault_type: FaultType

    @property
    def name(self) -> str:
        return self.code.label


SERVICES: dict[str, Service] = {
    s.code.value: s
    for s in (
        Service(
            ServiceCode.LIGHT_OUT,
            "A street light that stays dark at night.",
            GROUP_LIGHTING,
            ("light", "lamp", "dark", "out"),
            AssetKind.STREETLIGHT,
            FaultType.LAMP_FAILURE,
        ),
        Service(
            ServiceCode.DAY_BURNING,
            "A street light that is lit in daylight.",
            GROUP_LIGHTING,
            ("light", "lamp", "day", "burning"),
            AssetKind.STREETLIGHT,
            FaultType.DAY_BURNING,
        ),
        Service(
            ServiceCode.COLUMN_DAMAGED,
            "A lamp column that is leaning, knocked down, open or with wires showing.",
            GROUP_LIGHTING,
            ("column", "post", "damaged", "leaning", "wires"),
            AssetKind.STREETLIGHT,
            FaultType.OTHER,
        ),
        Service(
            ServiceCode.CAMERA_DAMAGED,
            "A public-space CCTV camera that is broken, turned away or covered.",
            GROUP_CCTV,
            ("camera", "cctv", "damaged", "covered"),
            AssetKind.CAMERA,
            FaultType.OTHER,
        ),
    )
}

# The one attribute every service takes (GeoReport `attributes`): the asset's number, as on
# its plate or the QR code on the column. `address_id` carries the same for clients without
# attributes (FixMyStreet sends either).
ASSET_ATTRIBUTE = {
    "variable": True,
    "code": "asset_id",
    "datatype": "string",
    "required": False,
    "datatype_description": "The number on the column or camera, e.g. SL-0042 (on its QR code).",
    "order": 1,
    "description": "Asset number",
}
