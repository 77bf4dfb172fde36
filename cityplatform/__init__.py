"""The Django project of the Secure City Platform (named so as not to shadow `platform`)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
