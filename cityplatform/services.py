"""Platform-wide write services: the audit log."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from cityplatform import metrics
from cityplatform.models import AuditEntry

Actor = AbstractBaseUser | AnonymousUser | str | None


LABEL_MAX = 150  # every actor-label column (audit, alarm log, overrides, legal holds)


def actor_fields(actor: Actor) -> tuple[AbstractBaseUser | None, str]:
    """(user or None, label) of whoever acted, the one way every app records an actor.

    A user is themselves and their user name; a string names a process ("gateway",
    "reconcile") or a person outside the platform, cut to the label columns' 150 characters
    (a longer one would be refused by the database); no actor is "system"; an anonymous
    request is "anonymous", with no user (an AnonymousUser is no row to point at)."""
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor[:LABEL_MAX]
    if not actor.is_authenticated:
        return None, "anonymous"
    return actor, actor.get_username()[:LABEL_MAX]


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
    user, label = actor_fields(actor)
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
