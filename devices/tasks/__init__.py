"""Celery tasks of the devices app, one module per sub-domain (Celery imports this package)."""

from devices.tasks import gateway, imports, registry, rollup  # noqa: F401
