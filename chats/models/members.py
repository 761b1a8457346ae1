"""Who is really in a chat: the reconciled membership of a chat against the roster.

- `ChatMember`: one row per member seen in the messenger and per expected roster person who is
  not there, with its state, its source (a pasted list, MAX's Bot API) and since when;
- `ChatReconciliation`: per chat, when it was last checked, from which source, and the counts;
- `MemberIdentity`: what the portal remembers about a member: the person a messenger's member
  id was matched to (by id from then on), or a person's decision on an ambiguous name;
- `ChatTodo`: which open to-do covers which members, so that reruns do not pile them up.

Data and invariants only: the matching and the writes are in `chats.services.reconcile`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import InstitutionOwned, Person, Role, TodoItem

from .registry import Chat


class MemberState(models.TextChoices):
    PRESENT = "present", _("in the chat")
    MISSING = "missing", _("should be in the chat but is not")
    UNKNOWN = "unknown", _("not on the roster")
    LEFT = "left", _("left the institution")
    MOVED = "moved", _("not of this chat's unit (moved to another class?)")
    AMBIGUOUS = "ambiguous", _("several people of the roster have this name")


# The states of a member seen in the messenger who is not where the roster expects them.
STRANGER_STATES = (MemberState.UNKNOWN, MemberState.LEFT, MemberState.MOVED)


class MemberSource(models.TextChoices):
    PASTED = "pasted", _("a pasted member list")
    MAX = "max", _("MAX Bot API")


class ChatMember(InstitutionOwned):
    """A member of the chat as the messenger shows them, or an expected person who is missing.

    `key` names the row within its chat: `max:<user id>` for a member with the messenger's id,
    `name:<normalised name>` for a member of a pasted list, `person:<id>` for a missing person.
    """

    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, related_name="members", verbose_name=_("chat")
    )
    key = models.CharField(max_length=320)
    # The roster person: matched (present, left, moved) or expected (missing). A merged or
    # deleted person leaves the row unmatched until the next reconciliation.
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_members",
        verbose_name=_("person"),
    )
    member_id = models.CharField(_("member id in the messenger"), max_length=64, blank=True)
    name = models.CharField(_("name in the messenger"), max_length=300, blank=True)
    # The role in which the person is expected in this chat (student, parent, teacher, ...).
    role = models.CharField(_("role"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=MemberState.choices)
    source = models.CharField(_("source"), max_length=10, choices=MemberSource.choices)
    # Person ids of the candidates of an ambiguous name.
    candidates = models.JSONField(default=list, blank=True)
    since = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("chat member")
        verbose_name_plural = _("chat members")
        ordering = ["state", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "key"], name="chats_member_unique_key"),
        ]
        indexes = [models.Index(fields=["chat", "state"])]

    def __str__(self) -> str:
        return self.name or (self.person.short_name if self.person_id else self.key)

    @property
    def role_label(self) -> str:
        if self.role in Role.values:
            return str(Role(self.role).label)
        return str(_("owner of the chat")) if self.role == "owner" else ""


class ChatReconciliation(InstitutionOwned):
    """The last reconciliation of a chat: when, from which source, and what it found."""

    chat = models.OneToOneField(
        Chat, on_delete=models.CASCADE, related_name="reconciliation", verbose_name=_("chat")
    )
    source = models.CharField(_("source"), max_length=10, choices=MemberSource.choices)
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last run that changed a row (a rerun with the same list changes nothing).
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    present = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)
    moved = models.PositiveIntegerField(default=0)
    ambiguous = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("chat reconciliation")
        verbose_name_plural = _("chat reconciliations")

    def __str__(self) -> str:
        return f"{self.chat} @ {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def strangers(self) -> int:
        return self.unknown + self.left + self.moved


class MemberIdentity(InstitutionOwned):
    """A remembered match: a messenger's member id (institution-wide, `chat` empty) or a name
    in one chat (`chat` set) to a person, or to nobody (`person` empty: not on the roster)."""

    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=320)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Empty: matched by the portal itself (a member id seen with a unique name).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("remembered member match")
        verbose_name_plural = _("remembered member matches")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "key"],
                condition=Q(chat__isnull=True),
                name="chats_identity_unique_member_id",
            ),
            models.UniqueConstraint(
                fields=["chat", "key"],
                condition=Q(chat__isnull=False),
                name="chats_identity_unique_name_in_chat",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ChatTodo(models.Model):
    """An open to-do about a chat's members and the member keys it covers."""

    class Kind(models.TextChoices):
        INVITE = "invite", _("invite")
        CHECK = "check", _("check unknown members")
        REMOVE = "remove", _("remove")

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="member_todos")
    todo = models.OneToOneField(TodoItem, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    keys = models.JSONField(default=list)

    class Meta:
        verbose_name = _("chat member to-do")
        verbose_name_plural = _("chat member to-dos")

    def __str__(self) -> str:
        return f"{self.chat}: {self.kind}"
