"""The institution's MAX bot: its token (stored apart, encrypted) and the chats it sees.

- `MessengerBot`: one per institution; the token is encrypted (`chats.secrets`) and never shown,
  logged or serialised: `__str__`/`__repr__` leave it out and the admin does not list it;
- `BotChat`: a chat or channel the bot is a member of, as MAX's `GET /chats` reports it, and the
  registered chat it was matched to (by its link or by the administrator's choice).

Data and invariants only: the writes are in `chats.services.messenger`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import Institution, InstitutionOwned

from .registry import Chat


class BotState(models.TextChoices):
    UNKNOWN = "unknown", _("not checked yet")
    OK = "ok", _("working")
    INVALID_TOKEN = "invalid_token", _("the token is invalid")
    UNREACHABLE = "unreachable", _("MAX is unreachable")


class MessengerBot(models.Model):
    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="messenger_bot"
    )
    # Fernet ciphertext of the token, keyed from SECRET_KEY; never decrypted for display.
    token_encrypted = models.TextField(editable=False)
    set_at = models.DateTimeField(_("token set"), default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("token set by"),
    )
    bot_user_id = models.BigIntegerField(_("bot id"), null=True, blank=True)
    bot_name = models.CharField(_("bot name"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=15, choices=BotState.choices, default=BotState.UNKNOWN
    )
    # Since when the state holds (e.g. "MAX unreachable since 10:05").
    state_since = models.DateTimeField(_("since"), null=True, blank=True)
    checked_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    # The error code MAX returned or the kind of network failure; never the token.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("MAX bot")
        verbose_name_plural = _("MAX bots")

    def __str__(self) -> str:
        return f"MAX bot of {self.institution}"

    def __repr__(self) -> str:
        return f"<MessengerBot institution={self.institution_id} state={self.state}>"


class BotChatStatus(models.TextChoices):
    ACTIVE = "active", _("the bot is a member")
    REMOVED = "removed", _("the bot was removed")
    LEFT = "left", _("the bot left")
    CLOSED = "closed", _("the chat was closed")
    GONE = "gone", _("no longer listed")


class BotChat(InstitutionOwned):
    max_chat_id = models.BigIntegerField(_("MAX chat id"))
    type = models.CharField(_("type"), max_length=10, default="chat")
    status = models.CharField(
        _("status"), max_length=10, choices=BotChatStatus.choices, default=BotChatStatus.ACTIVE
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    participants_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    chat = models.OneToOneField(
        Chat,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bot_chat",
        verbose_name=_("registered chat"),
    )
    matched_by = models.CharField(max_length=10, blank=True)  # "link" or "admin"
    # The members could not be read (the bot is not an administrator of the chat).
    members_denied = models.BooleanField(default=False)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    synced_at = models.DateTimeField(_("members synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat seen by the MAX bot")
        verbose_name_plural = _("chats seen by the MAX bot")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "max_chat_id"], name="chats_botchat_unique_max_id"
            ),
            models.CheckConstraint(
                condition=Q(chat__isnull=True) | ~Q(matched_by=""),
                name="chats_botchat_match_says_how",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.max_chat_id)
