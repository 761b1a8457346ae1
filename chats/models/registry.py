"""The registry of real Sferum chats (VK Messenger or MAX): data and invariants only."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import Institution, InstitutionOwned, Person, Unit
from sferum_portal.messengers import Platform


class ChatKind(models.TextChoices):
    DIRECTOR_DEPUTIES = "director_deputies", _("director with deputies")
    DIRECTOR_TEACHERS = "director_teachers", _("director with teachers")
    STAFF_ROOM = "staff_room", _("staff room chat")
    CLASS_STUDENTS = "class_students", _("class: students")
    CLASS_PARENTS = "class_parents", _("class: parents")
    DEPARTMENT_TEACHERS = "department_teachers", _("department: teachers")
    OTHER = "other", _("other chat")


# Kinds that belong to a unit (and must name it).
UNIT_KINDS = (ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS, ChatKind.DEPARTMENT_TEACHERS)


def validate_chat_link(platform: str, link: str) -> None:
    """The link must look like an invitation link of its messenger (patterns in settings)."""
    patterns = settings.CHAT_LINK_PATTERNS.get(platform, ())
    if not any(re.fullmatch(pattern, link) for pattern in patterns):
        raise ValidationError(
            {
                "link": _(
                    "This is not an invitation link of %(platform)s. Copy it in the messenger: "
                    "chat settings → invitation link."
                )
                % {"platform": Platform(platform).label}
            }
        )


class Chat(InstitutionOwned):
    kind = models.CharField(_("kind"), max_length=20, choices=ChatKind.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chats",
        verbose_name=_("unit"),
    )
    # Empty when the owner left: the chat needs a new owner.
    owner = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_chats",
        verbose_name=_("owner"),
    )
    title = models.CharField(_("title"), max_length=200)
    platform = models.CharField(_("messenger"), max_length=5, choices=Platform.choices)
    # The key to the chat: shown only to the people entitled to it (chats.permissions).
    link = models.URLField(_("invitation link of the chat"), max_length=500)
    member_count = models.PositiveIntegerField(_("members (as reported)"), null=True, blank=True)
    member_count_at = models.DateTimeField(_("members counted"), null=True, blank=True)
    moved_to_max_on = models.DateField(_("moved to MAX on"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        ordering = ["kind", "title", "id"]
        indexes = [models.Index(fields=["institution", "kind", "archived_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=UNIT_KINDS) | Q(unit__isnull=False),
                name="chats_chat_unit_kinds_have_unit",
                violation_error_message=_("A class or department chat names its unit."),
            ),
            models.CheckConstraint(
                condition=Q(moved_to_max_on__isnull=True) | Q(platform="max"),
                name="chats_chat_moved_only_to_max",
                violation_error_message=_("Only a chat on MAX has a date of moving to MAX."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.platform and self.link:
            validate_chat_link(self.platform, self.link)
        if self.unit_id and self.institution_id and self.unit.institution_id != self.institution_id:
            raise ValidationError({"unit": _("The unit belongs to another institution.")})
        if (
            self.owner_id
            and self.institution_id
            and self.owner.institution_id != self.institution_id
        ):
            raise ValidationError({"owner": _("The owner belongs to another institution.")})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def needs_new_owner(self) -> bool:
        return self.owner_id is None and not self.is_archived


class ChatReminder(models.Model):
    """A reminder e-mailed to a teacher about their missing chats (at most one per interval)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="chat_reminders")
    sent_at = models.DateTimeField(default=timezone.now)
    missing = models.JSONField(default=list)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["teacher", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.teacher} @ {self.sent_at:%Y-%m-%d}"
