"""Uploads of roster files: preview first, applied only on confirmation."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import InstitutionOwned, Timestamped, institution_key


class RosterImportStatus(models.TextChoices):
    PREVIEW = "preview", _("preview ready")
    INVALID = "invalid", _("rejected")
    QUEUED = "queued", _("being imported")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


def roster_upload_path(instance, filename: str) -> str:
    # Never the original name: the file holds minors' names and must not be guessable.
    return f"rosters/{uuid.uuid4().hex}"


class RosterImport(InstitutionOwned, Timestamped):
    """One upload of a roster file: preview first, applied only on confirmation."""

    institution = institution_key("roster_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    file = models.FileField(upload_to=roster_upload_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=RosterImportStatus.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # {"created": n, "changed": n, "ended": n, "unchanged": n, "samples": {...}}
    summary = models.JSONField(default=dict, blank=True)
    # Ids of the people the administrator confirmed as leaving when starting the import.
    confirmed_leavers = models.JSONField(default=list, blank=True)
    # [{"row": n, "messages": [...]}] or [{"row": null, "messages": [...]}] for file-level errors
    errors = models.JSONField(default=list, blank=True)
    # When the administrator confirmed it: a queued import whose job never reached a worker
    # (the broker was down) is sent again some minutes after this.
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == RosterImportStatus.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))
