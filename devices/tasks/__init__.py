"""Celery tasks of the devices app, one module per sub-domain (Celery imports this package)."""

from devices.tasks import gateway, registry, rollup  # noqa: F401
