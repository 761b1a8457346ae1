"""System channels and their posts, events (broadcasts, meetings, lessons, seminars), support.

Data and invariants only: every transition of a post or an event is a service function.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from roles.models import (
    Institution,
    InstitutionOwned,
    Person,
    Role,
    Timestamped,
    Unit,
    institution_key,
)
from roles.permissions import EVERYONE, FAMILY, STAFF
from sferum_portal.messengers import Platform


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("everyone")
    # The audiences are groups of people, all plural: «сотрудники», «обучающиеся», ...
    STAFF = "staff", pgettext_lazy("audience", "staff")
    STUDENTS = "students", _("students")
    PARENTS = "parents", _("parents")
    FAMILIES = "families", _("students and parents")


# The roles each audience reaches.
AUDIENCE_ROLES: dict[str, frozenset[str]] = {
    Audience.EVERYONE: EVERYONE,
    Audience.STAFF: STAFF,
    Audience.STUDENTS: frozenset({Role.STUDENT}),
    Audience.PARENTS: frozenset({Role.PARENT}),
    Audience.FAMILIES: FAMILY,
}


class Channel(InstitutionOwned, Timestamped):
    """A system channel of the institution in Sferum (VK Messenger or MAX)."""

    name = models.CharField(_("name"), max_length=200)
    platform = models.CharField(
        _("platform"), max_length=5, choices=Platform.choices, default=Platform.MAX
    )
    link = models.URLField(_("link to the channel"), max_length=500, blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="channels_channel_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audience_roles(self) -> frozenset[str]:
        return AUDIENCE_ROLES[self.audience]


class ChannelAuthor(models.Model):
    """A staff member whom the admin allows to submit material (beyond the administration)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("allowed by"),
    )
    allowed_at = models.DateTimeField(_("allowed"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel author")
        verbose_name_plural = _("channel authors")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "person"], name="channels_author_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)


class PostState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("post state", "draft")
    SUBMITTED = "submitted", pgettext_lazy("post state", "submitted for review")
    CHANGES_REQUESTED = "changes", pgettext_lazy("post state", "changes requested")
    APPROVED = "approved", pgettext_lazy("post state", "approved")
    SCHEDULED = "scheduled", pgettext_lazy("post state", "scheduled")
    PUBLISHED = "published", pgettext_lazy("post state", "published")
    REJECTED = "rejected", pgettext_lazy("post state", "rejected")


class Post(InstitutionOwned, Timestamped):
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="posts", verbose_name=_("channel")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=PostState.choices, default=PostState.DRAFT
    )
    review_comment = models.CharField(_("editor's comment"), max_length=1000, blank=True)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The message in the Sferum channel, recorded by the admin after publishing it by hand.
    sferum_link = models.URLField(_("link to the message in Sferum"), max_length=500, blank=True)
    todo = models.ForeignKey(
        "roles.TodoItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to-do item"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-published_at", "-updated_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "state"]),
            models.Index(fields=["state", "publish_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(publish_at__isnull=False),
                name="channels_post_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="channels_post_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PostAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("post action", "written")
    EDIT = "edit", pgettext_lazy("post action", "changed")
    SUBMIT = "submit", pgettext_lazy("post action", "submitted for review")
    WITHDRAW = "withdraw", pgettext_lazy("post action", "withdrawn to drafts")
    REQUEST_CHANGES = "request_changes", pgettext_lazy("post action", "changes requested")
    APPROVE = "approve", pgettext_lazy("post action", "approved")
    REJECT = "reject", pgettext_lazy("post action", "rejected")
    SCHEDULE = "schedule", pgettext_lazy("post action", "publication scheduled")
    UNSCHEDULE = "unschedule", pgettext_lazy("post action", "publication unscheduled")
    PUBLISH_NOW = "publish_now", pgettext_lazy("post action", "published at once")
    PUBLISH = "publish", pgettext_lazy("post action", "published on schedule")
    LINK = "link", pgettext_lazy("post action", "link to the Sferum message recorded")


class PostHistory(models.Model):
    """Who did what to a post and when (append-only)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="history", verbose_name=_("post")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=20, choices=PostAction.choices)
    state_from = models.CharField(pgettext_lazy("post state", "from"), max_length=10, blank=True)
    state_to = models.CharField(pgettext_lazy("post state", "to"), max_length=10, blank=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("post history entry")
        verbose_name_plural = _("post history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.action}"

    @property
    def state_from_label(self) -> str:
        return PostState(self.state_from).label if self.state_from else ""

    @property
    def state_to_label(self) -> str:
        return PostState(self.state_to).label if self.state_to else ""


class EventKind(models.TextChoices):
    BROADCAST = "broadcast", _("broadcast")
    MEETING = "meeting", _("administration meeting")
    LESSON = "lesson", _("remote lesson or event")
    SEMINAR = "seminar", _("methodical seminar or webinar")


class EventFormat(models.TextChoices):
    ONLINE = "online", _("online")
    HYBRID = "hybrid", _("hybrid (online and in person)")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Event(InstitutionOwned, Timestamped):
    """A broadcast, an administration meeting, a remote lesson or a seminar (by kind)."""

    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveIntegerField(_("duration, minutes"), default=45)
    format = models.CharField(
        _("format"), max_length=10, choices=EventFormat.choices, default=EventFormat.ONLINE
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    host = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_events",
        verbose_name=_("host"),
    )
    # Audience: members of these units (none: the whole institution) in these roles (none: all).
    audience_units = models.ManyToManyField(
        Unit, blank=True, related_name="events", verbose_name=_("units")
    )
    audience_roles = models.JSONField(_("roles"), default=list, blank=True)
    meeting_link = models.URLField(_("meeting link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    attendance_count = models.PositiveIntegerField(_("attended"), null=True, blank=True)
    recording_link = models.URLField(_("recording"), max_length=500, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("marked held or cancelled"), null=True, blank=True)
    # When each reminder is due (UTC, computed in the institution's zone) and when it went out.
    remind_day_at = models.DateTimeField(null=True, blank=True, editable=False)
    remind_hour_at = models.DateTimeField(null=True, blank=True, editable=False)
    day_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    hour_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["institution", "starts_at"]),
            models.Index(fields=["status", "remind_day_at"]),
            models.Index(fields=["status", "remind_hour_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=24 * 60),
                name="channels_event_duration_range",
            ),
            models.CheckConstraint(
                condition=~Q(format="hybrid") | ~Q(place=""),
                name="channels_event_hybrid_has_place",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_role_labels(self) -> list[str]:
        return [Role(r).label for r in self.audience_roles if r in Role.values]

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class SeminarAttendance(models.Model):
    """A teacher's own mark that they attended a seminar."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("event")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("seminar attendance")
        verbose_name_plural = _("seminar attendance")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="channels_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.event}"


class FeedToken(Timestamped):
    """The secret in a user's feed addresses (iCalendar, Atom): calendar apps have no session.

    Only its SHA-256 is kept; a new one replaces (revokes) the old.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_tokens",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("feed address")
        verbose_name_plural = _("feed addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="channels_feedtoken_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class SupportStatus(models.TextChoices):
    DRAFT = "draft", _("not sent yet")
    SENT = "sent", _("sent")
    IN_PROGRESS = "progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed without a solution")


class SupportRequest(InstitutionOwned, Timestamped):
    """A request to Sferum's technical support (info@sferum.ru), logged by the admin."""

    institution = institution_key("support_requests")
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    ticket_number = models.CharField(_("ticket number"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SupportStatus.choices, default=SupportStatus.DRAFT
    )
    resolution = models.TextField(_("resolution"), max_length=4000, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sent_on__isnull=False),
                name="channels_support_sent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
