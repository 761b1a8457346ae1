"""Uploads of roster files and the column layouts each institution's files were mapped with."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import InstitutionOwned, Timestamped, institution_key


class RosterImportStatus(models.TextChoices):
    READING = "reading", _("reading the file")
    MAPPING = "mapping", _("columns to check")
    PLANNING = "planning", _("checking the rows")
    PREVIEW = "preview", _("preview ready")
    INVALID = "invalid", _("rejected")
    QUEUED = "queued", _("being imported")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


def roster_upload_path(instance, filename: str) -> str:
    # Never the original name: the file holds minors' names and must not be guessable.
    return f"rosters/{uuid.uuid4().hex}"


class RosterImport(InstitutionOwned, Timestamped):
    """One upload of a roster file.

    Uploaded (reading: a job reads it), its columns mapped by the administrator (mapping),
    checked by a job (planning), previewed, confirmed (queued) and applied by a job (done), or
    rejected on the way (invalid).
    """

    institution = institution_key("roster_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    file = models.FileField(upload_to=roster_upload_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=RosterImportStatus.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # What the reading job found: {"header_row": n, "headers": [...], "samples": [[...], ...],
    # "key": layout key, "encoding": "Windows-1251"}. The samples are wiped with the file.
    layout = models.JSONField(default=dict, blank=True)
    # What each column is (a roles.roster field, "" for a column not imported), by position.
    mapping = models.JSONField(default=list, blank=True)
    # The kind of people of a file without a kind column; "" when the file has one.
    kind = models.CharField(max_length=10, blank=True)
    # The administrator declared the file the complete list of its kinds: only then do the
    # people missing from it leave.
    complete = models.BooleanField(default=False)
    # {"created": n, "changed": n, "ended": n, "unchanged": n, "samples": {...}}
    summary = models.JSONField(default=dict, blank=True)
    # Ids of the people the administrator confirmed as leaving when starting the import.
    confirmed_leavers = models.JSONField(default=list, blank=True)
    # [{"row": n, "messages": [...]}] or [{"row": null, "messages": [...]}] for file-level errors
    errors = models.JSONField(default=list, blank=True)
    # When its current job was sent (reading, planning or the import): a job that never reached
    # a worker (the broker was down) is sent again some minutes after this.
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


class RosterLayout(InstitutionOwned, Timestamped):
    """How the administrator mapped the columns of one layout of file (the same normalised
    headers in the same order): the next file of that layout starts from this mapping."""

    institution = institution_key("roster_layouts")
    key = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    kind = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("roster file layout")
        verbose_name_plural = _("roster file layouts")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "key"], name="roles_rosterlayout_unique_key"
            )
        ]

    def __str__(self) -> str:
        return ", ".join(h for h in self.headers if h)
