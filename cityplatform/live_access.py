"""Changes of who may see what reach the live connections at once.

The WebSocket consumer reads a connection's permissions again on its own every few seconds
(`cityplatform.consumers.PERMISSION_TTL_S`); these receivers make it immediate when the change
goes through Django: a user saved (deactivated, password changed) or deleted, their groups or
permissions changed, a group's permissions changed, a session deleted or a sign-out. They only
announce (`live.live_access_changed`, after the commit); the consumer decides. Signals because
the auth and session models must not know about the live layer.
"""

from django.contrib.auth import SESSION_KEY, get_user_model, user_logged_out
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from cityplatform.live import live_access_changed

FORWARD = {"post_add", "post_remove", "post_clear"}
REVERSE = {"post_add", "post_remove"}


def _user_saved_or_deleted(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in elsewhere changes nothing here
    live_access_changed([instance.pk])


def _related(instance, action: str, reverse: bool, pk_set, related: str) -> list | None:
    """The pks on the other side of an m2m change: the instance itself when it is the changed
    side, else the changed pks (or, before a clear, everything linked to it)."""
    if not reverse:
        return [instance.pk] if action in FORWARD else None
    if action == "pre_clear":
        return list(getattr(instance, related).values_list("pk", flat=True))
    return list(pk_set or ()) if action in REVERSE else None


def _user_links_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """user.groups or user.user_permissions changed, from either side."""
    users = _related(instance, action, reverse, pk_set, "user_set")
    if users:
        live_access_changed(users)


def _group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    groups = _related(instance, action, reverse, pk_set, "group_set")
    if groups:
        _group_members_changed(groups)


def _group_deleted(sender, instance, **kwargs) -> None:
    _group_members_changed([instance.pk])


def _group_members_changed(group_pks: list) -> None:
    users = get_user_model().objects.filter(groups__in=group_pks).values_list("pk", flat=True)
    live_access_changed(set(users))


def _session_deleted(sender, instance, **kwargs) -> None:
    user_pk = instance.get_decoded().get(SESSION_KEY)
    if user_pk is not None:
        live_access_changed([user_pk])


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        live_access_changed([user.pk])


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_user_saved_or_deleted, sender=user_model, dispatch_uid="live-user-saved")
    post_delete.connect(_user_saved_or_deleted, sender=user_model, dispatch_uid="live-user-deleted")
    for through, uid in (
        (user_model.groups.through, "live-user-groups"),
        (user_model.user_permissions.through, "live-user-permissions"),
    ):
        m2m_changed.connect(_user_links_changed, sender=through, dispatch_uid=uid)
    m2m_changed.connect(
        _group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="live-group-permissions",
    )
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="live-group-deleted")
    post_delete.connect(_session_deleted, sender=Session, dispatch_uid="live-session-deleted")
    user_logged_out.connect(_signed_out, dispatch_uid="live-signed-out")
