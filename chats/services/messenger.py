"""The institution's MAX bot: its token, and the sync of the chats the bot sees.

- `set_bot_token`, `remove_bot_token`, `bot_token`: the token, write-only for people (stored
  encrypted in its own table, never shown, logged or put in the audit log);
- `sync_institution`: `GET /me`, the chats the bot is a member of (`GET /chats`, paged), each
  matched to a registered MAX chat by its link (or kept as the administrator matched it), their
  title and member count updated, their members reconciled (`reconcile.reconcile`). MAX
  unreachable or the token refused leave a state on the bot ("MAX unreachable since 10:05"),
  never an error page; the portal works the same without a bot;
- `request_sync`: the "sync now" button (a job, or the sync in the request when the broker is
  down), `sync_all`: the hourly job;
- `match_bot_chat`: the administrator matches a chat the bot sees to a registered chat.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import freshness
from roles import permissions as role_permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Institution
from sferum_portal.celery import publish

from .. import secrets
from ..max_api import InvalidToken, MaxClient, NoAccess, Unavailable
from ..models import (
    BotChat,
    BotChatStatus,
    BotState,
    Chat,
    MemberSource,
    MessengerBot,
    Platform,
)
from .matching import Roster
from .reconcile import Member, reconcile

logger = logging.getLogger(__name__)

SYNC_TASK = "chats.tasks.sync_messenger"
TOKEN_SHAPE = re.compile(r"[\x21-\x7e]{16,500}")


class MessengerNotConfigured(RuleBroken):
    """No bot token is set for the institution."""


@dataclass
class SyncResult:
    state: str
    chats_seen: int = 0
    chats_matched: int = 0
    members_matched: int = 0
    members_unknown: int = 0
    people_missing: int = 0
    requests: int = 0
    error: str = ""

    def lines(self) -> list[str]:
        """The `name=value` lines of `sync_messenger` (DESIGN §4)."""
        names = ("chats_seen", "chats_matched", "members_matched", "members_unknown")
        return [f"{name}={getattr(self, name)}" for name in (*names, "people_missing")]


def _check_manage(by, institution: Institution) -> None:
    if by is not None and not role_permissions.can(by, "chat.manage", institution):
        raise NotAllowed(_("Only an administrator sets up the MAX bot."))


@transaction.atomic
def set_bot_token(*, institution: Institution, token: str, by=None) -> MessengerBot:
    """Store the bot's token (encrypted); its state is checked at the next sync."""
    _check_manage(by, institution)
    token = token.strip()
    if not TOKEN_SHAPE.fullmatch(token):
        raise RuleBroken({"token": _("This does not look like a MAX bot token.")})
    bot, _created = MessengerBot.objects.update_or_create(
        institution=institution,
        defaults={
            "token_encrypted": secrets.encrypt(token),
            "set_at": timezone.now(),
            "set_by": by if getattr(by, "is_authenticated", False) else None,
            "state": BotState.UNKNOWN,
            "state_since": None,
            "last_error": "",
        },
    )
    roles_services.audit(
        institution=institution,
        actor=by,
        action="chat.bot_token_set",
        summary=_("MAX bot token set"),
    )
    return bot


@transaction.atomic
def remove_bot_token(*, institution: Institution, by=None) -> bool:
    _check_manage(by, institution)
    deleted, _rows = MessengerBot.objects.filter(institution=institution).delete()
    if deleted:
        roles_services.audit(
            institution=institution,
            actor=by,
            action="chat.bot_token_removed",
            summary=_("MAX bot token removed"),
        )
    return bool(deleted)


def bot_token(institution: Institution) -> str:
    bot = MessengerBot.objects.filter(institution=institution).first()
    return secrets.decrypt(bot.token_encrypted) if bot else ""


def client_for(token: str) -> MaxClient:
    return MaxClient(
        base_url=settings.MAX_API_URL,
        token=token,
        timeout=settings.MAX_API_TIMEOUT,
        retries=settings.MAX_API_RETRIES,
        backoff=settings.MAX_API_BACKOFF,
        max_wait=settings.MAX_API_MAX_WAIT,
    )


def normalise_link(link: str) -> str:
    """«https://web.max.ru/join/AbC/» and «max.ru/join/AbC» are the same chat."""
    link = link.strip().rstrip("/")
    link = re.sub(r"^(?:https?://)?(?:web\.)?", "", link, flags=re.IGNORECASE)
    host, _slash, path = link.partition("/")
    return f"{host.lower()}/{path}" if path else host.lower()


def _set_state(bot: MessengerBot, state: str, *, error: str = "", now=None) -> None:
    now = now or timezone.now()
    if bot.state != state or bot.state_since is None:
        bot.state_since = now
    bot.state = state
    bot.checked_at = now
    bot.last_error = error[:200]
    fields = ["state", "state_since", "checked_at", "last_error"]
    if state == BotState.OK:
        bot.synced_at = now
        fields.append("synced_at")
    bot.save(update_fields=fields)


def _store_chats(institution: Institution, seen, now) -> list[BotChat]:
    """The chats the bot sees now, upserted; those no longer listed are marked gone."""
    existing = {b.max_chat_id: b for b in BotChat.objects.filter(institution=institution)}
    listed, create, update = [], [], []
    for info in seen:
        if info.type == "dialog":
            continue
        status = info.status if info.status in BotChatStatus.values else BotChatStatus.ACTIVE
        values = {
            "type": info.type,
            "status": status,
            "title": info.title,
            "link": info.link,
            "participants_count": info.participants_count,
            "seen_at": now,
        }
        row = existing.pop(info.chat_id, None)
        if row is None:
            row = BotChat(institution=institution, max_chat_id=info.chat_id, **values)
            create.append(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            update.append(row)
        listed.append(row)
    BotChat.objects.bulk_create(create)
    fields = ["type", "status", "title", "link", "participants_count", "seen_at"]
    if update:
        BotChat.objects.bulk_update(update, fields)
    gone = [b.pk for b in existing.values() if b.status != BotChatStatus.GONE]
    if gone:
        BotChat.objects.filter(pk__in=gone).update(status=BotChatStatus.GONE)
    return listed


def _match_by_link(institution: Institution, bot_chats: list[BotChat]) -> None:
    """A registered MAX chat whose link is the link the bot sees is that chat."""
    registered = Chat.objects.filter(
        institution=institution, platform=Platform.MAX, archived_at__isnull=True
    )
    taken = set(
        BotChat.objects.filter(institution=institution, chat__isnull=False).values_list(
            "chat_id", flat=True
        )
    )
    by_link = {normalise_link(c.link): c for c in registered if c.pk not in taken}
    for bot_chat in bot_chats:
        if bot_chat.chat_id is not None or not bot_chat.link:
            continue
        chat = by_link.pop(normalise_link(bot_chat.link), None)
        if chat is not None:
            bot_chat.chat = chat
            bot_chat.matched_by = "link"
            bot_chat.save(update_fields=["chat", "matched_by"])


def sync_institution(*, institution: Institution, by=None, client=None) -> SyncResult:
    """Sync every chat the institution's bot sees; the result has the contract's counts."""
    bot = MessengerBot.objects.filter(institution=institution).first()
    if bot is None:
        raise MessengerNotConfigured(_("No MAX bot token is set for this institution."))
    token = secrets.decrypt(bot.token_encrypted)
    if not token:
        _set_state(bot, BotState.INVALID_TOKEN, error="unreadable: set the token again")
        return SyncResult(state=BotState.INVALID_TOKEN, error="token unreadable")
    own_client = client is None
    client = client or client_for(token)
    now = timezone.now()
    result = SyncResult(state=BotState.OK)
    try:
        try:
            me = client.me()
            seen = list(client.chats())
        except InvalidToken as exc:
            return _failed(bot, result, BotState.INVALID_TOKEN, exc, client)
        except (Unavailable, NoAccess) as exc:
            return _failed(bot, result, BotState.UNREACHABLE, exc, client)
        bot.bot_user_id = me.get("user_id")
        bot.bot_name = str(me.get("name") or me.get("first_name") or "")[:200]
        bot.save(update_fields=["bot_user_id", "bot_name"])
        bot_chats = _store_chats(institution, seen, now)
        _match_by_link(institution, bot_chats)
        result.chats_seen = len(bot_chats)
        matched = [
            b
            for b in BotChat.objects.filter(
                institution=institution, chat__isnull=False, status=BotChatStatus.ACTIVE
            )
            .select_related("chat__institution", "chat__owner")
            .filter(chat__archived_at__isnull=True)
        ]
        result.chats_matched = len(matched)
        roster = Roster(institution) if matched else None
        if roster is not None:
            roster.load_identities()
        synced: list[int] = []
        for bot_chat in matched:
            try:
                members = [m for m in client.members(bot_chat.max_chat_id) if not m.is_bot]
            except NoAccess:
                BotChat.objects.filter(pk=bot_chat.pk).update(members_denied=True)
                continue
            except InvalidToken as exc:
                _mark_synced(synced, now)
                return _failed(bot, result, BotState.INVALID_TOKEN, exc, client)
            except Unavailable as exc:
                _mark_synced(synced, now)
                return _failed(bot, result, BotState.UNREACHABLE, exc, client)
            _update_chat(bot_chat, members)
            done = reconcile(
                chat=bot_chat.chat,
                members=[Member(m.name, str(m.user_id)) for m in members],
                source=MemberSource.MAX,
                roster=roster,
                now=now,
            )
            synced.append(bot_chat.pk)
            result.members_matched += done.members_matched
            result.members_unknown += done.members_unknown
            result.people_missing += done.people_missing
        _mark_synced(synced, now)
        _set_state(bot, BotState.OK, now=now)
        result.requests = client.requests_made
        if by is not None:
            roles_services.audit(
                institution=institution,
                actor=by,
                action="chat.bot_sync",
                summary=_("MAX chats synced: %(seen)d seen, %(matched)d matched")
                % {"seen": result.chats_seen, "matched": result.chats_matched},
                data={"chats_seen": result.chats_seen, "chats_matched": result.chats_matched},
            )
        return result
    finally:
        if own_client:
            client.close()


def _mark_synced(ids: list[int], now) -> None:
    if ids:
        BotChat.objects.filter(pk__in=ids).update(members_denied=False, synced_at=now)


def _failed(bot, result: SyncResult, state: str, exc, client) -> SyncResult:
    code = getattr(exc, "code", "") or type(exc).__name__
    logger.warning("MAX sync of institution %s: %s (%s)", bot.institution_id, state, code)
    _set_state(bot, state, error=code)
    result.state = state
    result.error = code
    result.requests = client.requests_made
    return result


def _update_chat(bot_chat: BotChat, members) -> None:
    """The registered chat's title and member count as MAX reports them."""
    chat = bot_chat.chat
    count = bot_chat.participants_count
    if count is None:
        count = len(members)
    changes = {}
    if bot_chat.title and bot_chat.title != chat.title:
        changes["title"] = bot_chat.title
    if chat.member_count != count:
        changes["member_count"] = count
    if changes:
        changes["member_count_at"] = timezone.now()
        Chat.objects.filter(pk=chat.pk).update(**changes)
        freshness.touch([chat.institution_id])
        for name, value in changes.items():
            setattr(chat, name, value)


def request_sync(*, institution: Institution, by=None) -> None:
    """ "Sync now": a job for the worker, or, when the broker cannot take it, the sync in this
    request, so that the request is never lost."""
    _check_manage(by, institution)
    user_id = by.pk if by is not None else None
    transaction.on_commit(
        lambda: (
            publish(SYNC_TASK, institution.pk, user_id)
            or _sync_quietly(institution=institution, by=by)
        )
    )


def _sync_quietly(*, institution: Institution, by=None) -> SyncResult | None:
    try:
        return sync_institution(institution=institution, by=by)
    except MessengerNotConfigured:
        return None


def sync_all() -> int:
    """The hourly job: every institution with a bot. Returns how many synced without error."""
    done = 0
    for bot in MessengerBot.objects.select_related("institution"):
        try:
            result = sync_institution(institution=bot.institution)
        except Exception:  # one institution's failure must not stop the others
            logger.exception("MAX sync of institution %s failed", bot.institution_id)
            continue
        done += result.state == BotState.OK
    return done


@transaction.atomic
def match_bot_chat(*, bot_chat: BotChat, chat: Chat | None, by) -> BotChat:
    """The administrator's choice: this chat the bot sees is that registered chat (or none)."""
    _check_manage(by, bot_chat.institution)
    if chat is not None:
        if chat.institution_id != bot_chat.institution_id:
            raise RuleBroken({"chat": _("The chat belongs to another institution.")})
        if chat.platform != Platform.MAX or chat.is_archived:
            raise RuleBroken({"chat": _("Choose a registered chat on MAX that is in use.")})
        BotChat.objects.filter(chat=chat).exclude(pk=bot_chat.pk).update(chat=None, matched_by="")
    bot_chat.chat = chat
    bot_chat.matched_by = "admin" if chat is not None else ""
    bot_chat.save(update_fields=["chat", "matched_by"])
    roles_services.audit(
        institution=bot_chat.institution,
        actor=by,
        action="chat.bot_match",
        summary=_("MAX chat «%(bot_chat)s» matched to «%(chat)s»")
        % {"bot_chat": bot_chat.title, "chat": chat.title if chat else "—"},
        obj=bot_chat,
    )
    return bot_chat
