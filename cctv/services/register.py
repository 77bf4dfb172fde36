"""Writes of the purpose register: purposes, their review, their publication on the public
camera register, and which purpose each camera serves. Every change is audited."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from cctv.models import CameraPurpose, Purpose
from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record, model_update
from devices.selectors.cameras import cameras_info

PURPOSE_FIELDS = (
    "name",
    "public_description",
    "lawful_basis",
    "operator",
    "contact",
    "retention_days",
    "last_reviewed",
    "next_review",
)

# Words that would tell the public a camera watches for people at risk (DOMAIN.md: welfare
# alarms at high-risk sites). A published description must describe the purpose without them.
WELFARE_WORDS = ("welfare", "vulnerable", "early warning", "suicide", "self-harm", "self harm")


def _purpose_snapshot(purpose: Purpose) -> dict[str, Any]:
    values = {field: getattr(purpose, field) for field in (*PURPOSE_FIELDS, "published")}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _refuse_welfare_wording(purpose: Purpose) -> None:
    if not purpose.published:
        return
    lowered = purpose.public_description.lower()
    found = [word for word in WELFARE_WORDS if word in lowered]
    if found:
        raise ApplicationError(
            "A published description must not reveal welfare monitoring.",
            extra={"fields": {"public_description": [f"remove: {', '.join(found)}"]}},
        )


@transaction.atomic
def purpose_create(*, data: dict[str, Any], actor: Actor) -> Purpose:
    refused = [name for name in data if name not in PURPOSE_FIELDS]
    if refused:
        raise ApplicationError(
            f"{', '.join(refused)} cannot be set here",
            extra={"fields": {name: ["cannot be set here"] for name in refused}},
        )
    purpose = Purpose(**data)
    purpose.full_clean()
    purpose.save()
    audit_record(
        actor=actor,
        action="cctv.purpose_created",
        target=purpose,
        details=_purpose_snapshot(purpose),
    )
    return purpose


@transaction.atomic
def purpose_update(*, purpose: Purpose, data: dict[str, Any], actor: Actor) -> Purpose:
    before = _purpose_snapshot(purpose)
    for name, value in data.items():
        if name in PURPOSE_FIELDS:
            setattr(purpose, name, value)
    _refuse_welfare_wording(purpose)

    def changes(updated: Purpose) -> dict[str, Any]:
        after = _purpose_snapshot(updated)
        return {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}

    return model_update(
        instance=purpose,
        data=data,
        allowed=PURPOSE_FIELDS,
        actor=actor,
        action="cctv.purpose_updated",
        details=changes,
    )


@transaction.atomic
def purpose_publish(*, purpose: Purpose, published: bool, actor: Actor) -> Purpose:
    """Publishes (or withdraws) a purpose's cameras on the public register."""
    if purpose.published == published:
        return purpose
    purpose.published = published
    _refuse_welfare_wording(purpose)
    purpose.save(update_fields=["published", "updated_at"])
    audit_record(
        actor=actor,
        action="cctv.purpose_published" if published else "cctv.purpose_unpublished",
        target=purpose,
        details={"name": purpose.name, "cameras": purpose.cameras.count()},
    )
    return purpose


@transaction.atomic
def purpose_review(*, purpose: Purpose, next_review: date, actor: Actor, note: str = "") -> Purpose:
    """Records a review of the purpose today (principle 10) and the date of the next one."""
    today = timezone.localdate()
    if next_review <= today:
        raise ApplicationError(
            "The next review must be after today.",
            extra={"fields": {"next_review": ["a date after today"]}},
        )
    purpose.last_reviewed = today
    purpose.next_review = next_review
    purpose.full_clean()
    purpose.save(update_fields=["last_reviewed", "next_review", "updated_at"])
    audit_record(
        actor=actor,
        action="cctv.purpose_reviewed",
        target=purpose,
        details={
            "reviewed": today.isoformat(),
            "next_review": next_review.isoformat(),
            "note": note,
        },
    )
    return purpose


@transaction.atomic
def camera_purpose_set(*, camera_id: int, purpose: Purpose | None, actor: Actor) -> None:
    """Links a camera to a purpose (None: unlinks it, so that it is not published)."""
    info = cameras_info(asset_ids=[camera_id]).get(camera_id)
    if info is None or not info.is_camera:
        raise ApplicationError(
            "No such camera.", extra={"fields": {"camera": [f"{camera_id} is not a camera"]}}
        )
    if purpose is None:
        deleted, _ = CameraPurpose.objects.filter(camera_id=camera_id).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="cctv.camera_purpose_removed",
                target_type="devices.asset",
                target_id=camera_id,
                details={"device_id": info.device_id},
            )
        return
    CameraPurpose.objects.update_or_create(camera_id=camera_id, defaults={"purpose": purpose})
    audit_record(
        actor=actor,
        action="cctv.camera_purpose_set",
        target_type="devices.asset",
        target_id=camera_id,
        details={"device_id": info.device_id, "purpose": purpose.name, "purpose_id": purpose.pk},
    )
