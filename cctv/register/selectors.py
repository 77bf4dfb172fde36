"""Reads of the purpose register, and the public camera register (Surveillance Camera Code,
principle 3: transparency) built from it.

The public register lists every camera in service whose purpose is published: a neutral
reference, its position, its purpose's public description, operator, contact, lawful basis,
retention, last review and whether it runs video analytics. Nothing that names a person, and
for a camera at a high-risk site (or one watching for people at risk: a welfare camera) only
its public purpose and position: no camera name, no device id, no site name.
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Count, QuerySet

from cctv.choices import WELFARE_EVENT_TYPES, LawfulBasis
from cctv.models import CameraPurpose, Purpose
from devices.choices import LifecycleStatus, ZoneKind
from devices.selectors.cameras import CameraInfo, cameras_info

# Cameras that exist in the street: installed, working, in maintenance or faulty. A planned
# camera is not there yet, a decommissioned one no longer.
NOT_IN_SERVICE = (LifecycleStatus.PLANNED, LifecycleStatus.DECOMMISSIONED)

REGISTER_COLUMNS = (
    "reference",
    "name",
    "latitude",
    "longitude",
    "purpose",
    "lawful_basis",
    "operator",
    "contact",
    "retention_days",
    "last_reviewed",
    "next_review",
    "video_analytics",
)


@dataclass(frozen=True)
class RegisterEntry:
    reference: str
    name: str
    latitude: float
    longitude: float
    purpose: str
    lawful_basis: str
    operator: str
    contact: str
    retention_days: int
    last_reviewed: date | None
    next_review: date | None
    video_analytics: bool

    def as_json(self) -> dict:
        row = asdict(self)
        for key in ("last_reviewed", "next_review"):
            row[key] = row[key].isoformat() if row[key] else None
        return row


def purposes_list() -> QuerySet[Purpose]:
    return Purpose.objects.annotate(camera_count=Count("cameras")).order_by("name")


def purpose_get(pk: int) -> Purpose | None:
    return Purpose.objects.filter(pk=pk).first()


def camera_purposes(*, purpose: Purpose) -> list[CameraInfo]:
    """The cameras linked to a purpose, in device id order (for the supervisors' page)."""
    ids = purpose.cameras.values_list("camera_id", flat=True)
    return sorted(cameras_info(asset_ids=ids).values(), key=lambda c: c.device_id)


def is_welfare_camera(camera: CameraInfo) -> bool:
    """At a high-risk site, or allowed to raise welfare events: its details stay private."""
    return camera.zone_kind == ZoneKind.HIGH_RISK_SITE or not WELFARE_EVENT_TYPES.isdisjoint(
        camera.analytics_allowlist
    )


def public_register() -> list[RegisterEntry]:
    """Every in-service camera whose purpose is published, by reference."""
    links = dict(
        CameraPurpose.objects.filter(purpose__published=True)
        .exclude(camera__status__in=NOT_IN_SERVICE)
        .values_list("camera_id", "purpose_id")
    )
    purposes = Purpose.objects.in_bulk(set(links.values()))
    cameras = cameras_info(asset_ids=links)
    entries = []
    for camera_id in sorted(links):
        camera, purpose = cameras.get(camera_id), purposes[links[camera_id]]
        if camera is None or not camera.is_camera:
            continue
        welfare = is_welfare_camera(camera)
        entries.append(
            RegisterEntry(
                reference=f"CAM-{camera.pk:05d}",
                name="" if welfare else camera.name,
                latitude=round(camera.latitude, 5),
                longitude=round(camera.longitude, 5),
                purpose=purpose.public_description,
                lawful_basis=LawfulBasis(purpose.lawful_basis).label,
                operator=purpose.operator,
                contact=purpose.contact,
                retention_days=purpose.retention_effective,
                last_reviewed=purpose.last_reviewed,
                next_review=purpose.next_review,
                video_analytics=bool(camera.analytics_allowlist),
            )
        )
    return entries
