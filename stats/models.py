"""Daily rollups for the director's statistics: one row per institution (and per class) and
local day, written by `stats.services.rollup` with upserts, so that a rerun gives the same rows."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import Institution, Unit

# The institution's figures: (field, label). The order is the order of the page and the exports.
INSTITUTION_METRICS = (
    ("teachers_total", _("teachers")),
    ("teachers_joined", _("teachers joined")),
    ("teachers_verified", _("teachers verified")),
    ("students_total", _("students")),
    ("students_joined", _("students joined")),
    ("parents_total", _("parents")),
    ("parents_joined", _("parents joined")),
    # Who is really in the class chats (where a chat was reconciled: a pasted member list or
    # MAX's Bot API), next to who joined through the portal's links.
    ("students_in_chats", _("students present in their class chats")),
    ("parents_in_chats", _("parents present in their class chats")),
    ("teachers_in_chats", _("teachers present in their class chats")),
    ("classes_reconciled", _("classes with a reconciled chat")),
    ("classes_total", _("classes")),
    ("classes_with_chats", _("classes with their required chats")),
    ("invitations_issued", _("invitations issued")),
    ("invitations_used", _("invitations used")),
    ("invitations_expired", _("invitations expired unused")),
    ("invitations_annulled", _("invitations annulled")),
    ("join_requests_waiting", _("join requests waiting")),
    ("join_request_wait_hours", _("hours a decided join request waited (average)")),
    ("movements", _("movements recorded")),
    ("posts_published", _("posts published")),
    ("events_held", _("broadcasts, meetings, lessons and seminars held")),
)
UNIT_METRICS = (
    ("students_total", _("students")),
    ("students_joined", _("students joined")),
    ("parents_total", _("parents")),
    ("parents_joined", _("parents joined")),
    ("teachers_total", _("teachers")),
    ("chats_required", _("required chats")),
    ("chats_present", _("required chats present")),
    ("students_in_chat", _("students present in the class chats")),
    ("parents_in_chat", _("parents present in the class chats")),
    ("teachers_in_chat", _("teachers present in the class chats")),
    ("chats_reconciled", _("class chats reconciled")),
)


class UsageSnapshot(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="usage_snapshots"
    )
    day = models.DateField(_("day"))
    teachers_total = models.PositiveIntegerField(default=0)
    teachers_joined = models.PositiveIntegerField(default=0)
    teachers_verified = models.PositiveIntegerField(default=0)
    students_total = models.PositiveIntegerField(default=0)
    students_joined = models.PositiveIntegerField(default=0)
    parents_total = models.PositiveIntegerField(default=0)
    parents_joined = models.PositiveIntegerField(default=0)
    students_in_chats = models.PositiveIntegerField(default=0)
    parents_in_chats = models.PositiveIntegerField(default=0)
    teachers_in_chats = models.PositiveIntegerField(default=0)
    classes_reconciled = models.PositiveIntegerField(default=0)
    classes_total = models.PositiveIntegerField(default=0)
    classes_with_chats = models.PositiveIntegerField(default=0)
    invitations_issued = models.PositiveIntegerField(default=0)
    invitations_used = models.PositiveIntegerField(default=0)
    invitations_expired = models.PositiveIntegerField(default=0)
    invitations_annulled = models.PositiveIntegerField(default=0)
    join_requests_waiting = models.PositiveIntegerField(default=0)
    join_request_wait_hours = models.FloatField(null=True, blank=True)
    movements = models.PositiveIntegerField(default=0)
    posts_published = models.PositiveIntegerField(default=0)
    events_held = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("usage snapshot")
        verbose_name_plural = _("usage snapshots")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "day"], name="stats_snapshot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.day}"


class UnitSnapshot(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="usage_snapshots")
    day = models.DateField(_("day"))
    students_total = models.PositiveIntegerField(default=0)
    students_joined = models.PositiveIntegerField(default=0)
    parents_total = models.PositiveIntegerField(default=0)
    parents_joined = models.PositiveIntegerField(default=0)
    teachers_total = models.PositiveIntegerField(default=0)
    chats_required = models.PositiveIntegerField(default=0)
    chats_present = models.PositiveIntegerField(default=0)
    students_in_chat = models.PositiveIntegerField(default=0)
    parents_in_chat = models.PositiveIntegerField(default=0)
    teachers_in_chat = models.PositiveIntegerField(default=0)
    chats_reconciled = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("class snapshot")
        verbose_name_plural = _("class snapshots")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="stats_unit_snapshot_unique")
        ]
        indexes = [models.Index(fields=["institution", "day"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.day}"


class FillState(models.Model):
    """How far the daily rollup has filled an institution's days (as Zulip's analytics keeps a
    fill state per statistic).

    A run without a given day fills every local day from the last complete one up to
    yesterday: a day missed while beat or the worker was down is filled by the next run, and a
    fill that crashed (`started`, its day not complete) is done again.
    """

    class State(models.TextChoices):
        STARTED = "started", _("started")
        DONE = "done", _("done")

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="stats_fill_state"
    )
    # The last local day whose snapshots are complete.
    last_day = models.DateField(_("last complete day"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    # The day being filled while `state` is started.
    filling_day = models.DateField(_("day being filled"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("statistics fill state")
        verbose_name_plural = _("statistics fill states")

    def __str__(self) -> str:
        return f"{self.institution}: {self.last_day} ({self.state})"
