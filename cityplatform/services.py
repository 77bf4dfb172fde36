"""Platform-wide write services: the audit log."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from cityplatform import metrics
from cityplatform.models import AuditEntry

Actor = AbstractBaseUser | AnonymousUser | str | None


def _actor_fields(actor: Actor) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    if not actor.is_authenticated:
        return None, "anonymous"
    return actor, actor.get_username()


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Appends one entry to the audit log.

    `actor` is a user, or a string naming the process that acted ("gateway", "reconcile").
    `target` is the model instance acted on; `target_type`/`target_id` name one without a row.
    """
    user, label = _actor_fields(actor)
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
    entry = AuditEntry.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
    )
    metrics.AUDIT_ENTRIES.labels(action=action).inc()
    return entry
