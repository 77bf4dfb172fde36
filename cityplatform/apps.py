import logging
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.db import models
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from rest_framework import serializers

from cityplatform.embedded_db import embedded_major_version

log = logging.getLogger("cityplatform")


def _sync_roles(sender, using: str = "default", **kwargs) -> None:
    # deferred: cityplatform.roles imports auth's models, which cannot load while Django
    # imports this module (before any app's models)
    from cityplatform.roles import roles_sync

    roles_sync(using=using)


class CityplatformConfig(AppConfig):
    name = "cityplatform"
    verbose_name = "Platform"
    role_permissions = {
        "Administrators": ["view_auditentry"],
    }

    def ready(self) -> None:
        # Every app's live message kinds and topics (`<app>/live.py`) are registered at start.
        autodiscover_modules("live")
        # Roles follow the permissions the apps declare, after every migrate.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="cityplatform-roles")
        # Live connections hear at once of changes to who may see what.
        # deferred: live_access imports auth's and sessions' models, not loadable while Django
        # imports this module (ready() runs once they are)
        from cityplatform import live_access

        live_access.connect()
        # Every model serializer takes its input instants within 1970…9998 (see InstantInput).
        # deferred: cityplatform.api loads REST framework's views, whose authentication class
        # (cityplatform.token_auth → knox) imports models, not loadable while Django imports
        # this module
        from cityplatform.api import InstantInput

        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = InstantInput
        # Every change made in the Django admin is audited, whichever app's admin it is (the
        # admin app, first in INSTALLED_APPS, has loaded every admin module by now).
        # deferred: audit_admin imports cityplatform.services and so auth's models, not
        # loadable while Django imports this module
        from cityplatform.audit_admin import audit_every_admin

        audit_every_admin()


def _database_description(db: dict) -> str:
    """ "embedded PostgreSQL 18 in var/pg" or "PostgreSQL <name> at <host>:<port>"."""
    if db["ENGINE"] == "cityplatform.embedded_db":
        pgdata = Path(db["EMBEDDED_PGDATA"])
        shown = (
            pgdata.relative_to(settings.BASE_DIR)
            if pgdata.is_relative_to(settings.BASE_DIR)
            else pgdata
        )
        return f"embedded PostgreSQL {embedded_major_version()} in {shown}"
    where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"
    return f"PostgreSQL {db['NAME']} at {where}"


def describe_runtime() -> list[str]:
    """What this process runs on: said at the start of every process, never guessed later."""
    lines = [f"database: {_database_description(settings.DATABASES['default'])}"]
    if settings.EMBEDDED:
        lines.append("embedded mode (REDIS_URL unset): in-memory live layer, tasks run in-process")
    else:
        lines.append("Redis: Celery broker and results, Channels layer")
    lines.append(f"MQTT broker: {settings.MQTT_URL} (topic prefix {settings.MQTT_TOPIC_PREFIX})")
    return lines
