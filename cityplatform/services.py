"""Platform-wide write services: the audit log, who acted, and the update of a row."""

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction

from cityplatform import metrics
from cityplatform.api import ApplicationError
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


ModelT = TypeVar("ModelT", bound=models.Model)


def model_update(
    *,
    instance: ModelT,
    data: Mapping[str, Any],
    allowed: Collection[str],
    actor: Actor,
    action: str,
    details: dict[str, Any] | Callable[[ModelT], dict[str, Any]] | None = None,
) -> ModelT:
    """Sets fields of a row, validates it, saves it and audits the change, in one transaction:
    the update every configuration service (programmes, calendars, light groups, alarm rules)
    makes, so that none of them can skip the validation or the audit.

    A field outside `allowed` is refused as a 400 naming it (before anything is changed);
    `details` is what the audit entry records, or a function of the updated row giving it.
    Inside a caller's transaction, no savepoint of its own: a failure undoes the caller's work
    too (its related rows, say), which is what an update that half happened would need."""
    refused = [name for name in data if name not in allowed]
    if refused:
        raise ApplicationError(
            f"{', '.join(refused)} cannot be changed here",
            extra={"fields": {name: ["cannot be changed here"] for name in refused}},
        )
    for name, value in data.items():
        setattr(instance, name, value)
    with transaction.atomic(savepoint=False):
        instance.full_clean()
        instance.save()
        audit_record(
            actor=actor,
            action=action,
            target=instance,
            details=details(instance) if callable(details) else details,
        )
    return instance
