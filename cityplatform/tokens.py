"""API tokens for scripts (django-rest-knox): issued at sign-in, hashed at rest, expiring,
listed and revoked by their owner and by administrators, revoked by a password change.

A token is shown once, when issued; the database keeps its SHA-512 and its first 15 characters
(`token_key`), which name it in lists and in revocation. Clients keep sending
`Authorization: Token <token>`.
"""

from django.contrib.auth import authenticate, user_logged_in
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest
from knox.models import AuthToken
from rest_framework import status

from cityplatform.api import ApplicationError
from cityplatform.permissions import has_perm
from cityplatform.services import audit_record

# Who may list and revoke everyone's tokens: superusers, and staff given knox's permission.
ADMIN_PERMISSION = "knox.delete_authtoken"


class RevokeTokensOnPasswordChange:
    """A password "validator" that validates nothing: Django calls `password_changed` after every
    saved password change (AbstractBaseUser.save), whatever the path, and a new password must
    end every token issued under the old one."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        return None

    def password_changed(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if user is not None and user.pk is not None:
            tokens_revoke_all(owner=user, actor="password change")

    def get_help_text(self) -> str:
        return ""


# --- selectors --------------------------------------------------------------------------------


def tokens_visible_to(user: AbstractBaseUser, *, owner: str = "") -> QuerySet[AuthToken]:
    """The tokens `user` may see: their own, or (administrators) everyone's; `owner` narrows
    to one user name."""
    tokens = AuthToken.objects.select_related("user").order_by("-created")
    if not has_perm(user, ADMIN_PERMISSION):
        tokens = tokens.filter(user=user)
    if owner:
        tokens = tokens.filter(user__username=owner)
    return tokens


# --- services ---------------------------------------------------------------------------------


def token_issue(*, request: HttpRequest, username: str, password: str) -> tuple[AuthToken, str]:
    """A new token for these credentials. `request` is Django's request, so that django-axes
    counts the attempt (per username and per address) and refuses it while locked out."""
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        raise ApplicationError(
            "Unable to sign in with these credentials.",
            extra={"errors": ["Unable to sign in with these credentials."]},
        )
    instance, token = AuthToken.objects.create(user=user)
    user_logged_in.send(sender=type(user), request=request, user=user)
    return instance, token


def token_revoke(*, token: AuthToken, actor: AbstractBaseUser) -> None:
    owner = token.user
    token.delete()
    audit_record(
        actor=actor,
        action="token.revoked",
        target_type="auth.user",
        target_id=owner.pk,
        details={"token": token.token_key, "owner": owner.get_username()},
    )


def tokens_revoke_all(*, owner: AbstractBaseUser, actor: AbstractBaseUser | str) -> int:
    """Revokes every token of `owner`; the number revoked."""
    count, _ = AuthToken.objects.filter(user=owner).delete()
    if count:
        audit_record(
            actor=actor,
            action="token.revoked_all",
            target_type="auth.user",
            target_id=owner.pk,
            details={"owner": owner.get_username(), "count": count},
        )
    return count


def token_owner_for(*, actor: AbstractBaseUser, username: str) -> AbstractBaseUser:
    """Whose tokens `actor` acts on: their own, or (administrators) the named user's."""
    if not username or username == actor.get_username():
        return actor
    if not has_perm(actor, ADMIN_PERMISSION):
        raise ApplicationError(
            "Only administrators manage other users' tokens.",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    owner = type(actor)._default_manager.filter(username=username).first()
    if owner is None:
        raise ApplicationError("No such user.", extra={"fields": {"user": ["No such user."]}})
    return owner
