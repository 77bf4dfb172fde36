"""Open311 clients and their API keys: a key is shown once, when made, and kept as its SHA-256
(a random 32-byte key needs no slow hash: there is nothing to guess from a dictionary)."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from cityplatform.api import ApplicationError
from cityplatform.services import Actor, audit_record
from open311.models import Open311Client


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def open311_client_create(*, name: str, actor: Actor) -> tuple[Open311Client, str]:
    """A new client and its API key (returned once, never stored in clear)."""
    key = new_key()
    client = Open311Client(name=name.strip(), key_hash=key_hash(key), key_prefix=key[:8])
    client.full_clean()
    client.save()
    audit_record(actor=actor, action="open311.client_created", target=client)
    return client, key


@transaction.atomic
def open311_client_rotate_key(*, client: Open311Client, actor: Actor) -> str:
    key = new_key()
    client.key_hash, client.key_prefix = key_hash(key), key[:8]
    client.save(update_fields=["key_hash", "key_prefix"])
    audit_record(actor=actor, action="open311.client_key_rotated", target=client)
    return key


def open311_client_authenticate(*, api_key: str) -> Open311Client:
    """The active client holding `api_key`, or a 403 saying so."""
    if not api_key:
        raise ApplicationError("api_key is required to post a service request.", status_code=403)
    client = Open311Client.objects.filter(key_hash=key_hash(api_key), active=True).first()
    if client is None:
        raise ApplicationError("This api_key is not valid (unknown or disabled).", status_code=403)
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
