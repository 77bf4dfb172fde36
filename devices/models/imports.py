"""An asset CSV import run as a task: its file until it has run, its progress, its report."""

import uuid

from django.conf import settings
from django.db import models

from devices.choices import ImportJobState, ImportMode


class AssetImportJob(models.Model):
    """One upload of the import page. The id is a random UUID: it names the job's live topic
    (`import:<id>`), which only its author's page is told."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(
        max_length=10, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    mode = models.CharField(max_length=12, choices=ImportMode.choices, default=ImportMode.ALL)
    filename = models.CharField(max_length=255, blank=True)
    data = models.BinaryField(blank=True, default=b"")  # emptied once the job has run
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(null=True, blank=True)  # ImportReport.as_dict() when done
    error = models.TextField(blank=True)  # why it failed, in words
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.filename or self.pk} ({self.state})"
