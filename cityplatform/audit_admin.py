"""The Django admin leaves a trace in the audit log: every add, change and delete made there.

`AuditedAdmin` is the base of every admin class of the platform's apps. It hooks the admin's own
logging points (`log_addition`, `log_change`, `log_deletions`: the places Django writes its
LogEntry, for the add and change forms, list-editable changes and the delete page and bulk
action alike), so no admin path escapes, and writes one audit entry per object: who, what, the
fields changed with their old and new values, or the deleted object's values. The entry is
written in the admin's transaction: if the audit fails, the change does not happen.

`ReadOnlyAdmin` is for records the platform writes itself (events, alarms, legal holds,
evidence exports, purge runs, …): the admin shows them and changes nothing; their life cycle
goes through the services (the API and the pages), which audit each step.
"""

import json
from typing import Any

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict

from cityplatform.services import audit_record

# Field names whose values are never copied into the audit log.
SECRET_HINTS = ("secret", "password", "token", "key")
VALUE_LIMIT = 500  # characters of one value kept in an entry


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a field value, long values cut."""
    if isinstance(value, models.Model):
        value = value.pk
    elif (
        isinstance(value, list | tuple | set)
        and value
        and isinstance(next(iter(value)), models.Model)
    ):
        value = sorted(item.pk for item in value)
    text = json.dumps(value, cls=DjangoJSONEncoder, default=str)
    if len(text) > VALUE_LIMIT:
        return text[:VALUE_LIMIT] + "…"
    return json.loads(text)


def _shown(name: str, value: Any) -> Any:
    return "(hidden)" if any(hint in name.lower() for hint in SECRET_HINTS) else _plain(value)


def _values(obj: models.Model) -> dict[str, Any]:
    return {name: _shown(name, value) for name, value in model_to_dict(obj).items()}


def _action(obj: models.Model, verb: str) -> str:
    return f"admin.{obj._meta.label_lower}.{verb}"


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every add, change and delete is written to the audit log."""

    def save_form(self, request, form, change):
        # The form's initial values are the object's before the change (change form and
        # list-editable rows alike); log_change, called after the save, reads them here.
        request._audit_before = {
            name: _shown(name, form.initial.get(name)) for name in form.changed_data
        }
        return super().save_form(request, form, change)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit_record(
            actor=request.user,
            action=_action(obj, "added"),
            target=obj,
            details={"via": "admin", "object": str(obj)[:200], "values": _values(obj)},
        )
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        before = getattr(request, "_audit_before", {})
        after = _values(obj)
        audit_record(
            actor=request.user,
            action=_action(obj, "changed"),
            target=obj,
            details={
                "via": "admin",
                "object": str(obj)[:200],
                "changed": {
                    name: {"from": value, "to": after.get(name)} for name, value in before.items()
                },
                "message": message if isinstance(message, list | str) else str(message),
            },
        )
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            audit_record(
                actor=request.user,
                action=_action(obj, "deleted"),
                target=obj,
                details={"via": "admin", "object": str(obj)[:200], "values": _values(obj)},
            )
        return entries


class ReadOnlyAdmin(AuditedAdmin):
    """Shown, never added, changed or deleted in the admin (the services own these records)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def audit_every_admin(site: admin.AdminSite = admin.site) -> list[str]:
    """Wraps every registered admin that is not audited yet (Django's users and groups, the
    API tokens, any library's admin) in `AuditedAdmin`; returns the models wrapped. Called once
    the admin modules are loaded (CityplatformConfig.ready), so no admin escapes the audit."""
    wrapped = []
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdmin):
            continue
        cls = type(model_admin)
        audited = type(
            f"Audited{cls.__name__}", (AuditedAdmin, cls), {"__module__": cls.__module__}
        )
        site.unregister(model)
        site.register(model, audited)
        wrapped.append(model._meta.label)
    return wrapped
