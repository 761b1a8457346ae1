"""Reads: compliance with the required chats in a fixed number of queries, "my chats", the
reconciled members of a chat, and how the MAX bot stands with each chat."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.models import (
    AdminAppointment,
    Institution,
    Membership,
    Person,
    Role,
    Unit,
    UnitKind,
    Verification,
)

from . import rules
from .models import (
    STRANGER_STATES,
    BotChat,
    BotChatStatus,
    BotState,
    Chat,
    ChatKind,
    ChatMember,
    ChatReconciliation,
    MemberState,
    MessengerBot,
    Platform,
)
from .permissions import link_visible
from .rules import REQUIREMENTS


@dataclass
class RequirementRow:
    """One required chat: for the institution or for one unit, met or a gap."""

    kind: str
    unit: Unit | None
    responsible: list[Person]
    chats: list[Chat] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return bool(self.chats)

    @property
    def kind_label(self) -> str:
        return ChatKind(self.kind).label


@dataclass
class Compliance:
    rows: list[RequirementRow]
    needs_owner: list[Chat]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def met(self) -> int:
        return sum(row.met for row in self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.met / self.total) if self.total else 100

    def missing_for(self, person: Person) -> list[RequirementRow]:
        return [r for r in self.rows if not r.met and any(p.pk == person.pk for p in r.responsible)]

    def by_unit(self) -> list[tuple[Unit | None, dict[str, RequirementRow]]]:
        """Rows grouped by unit (the institution first), for the board's table."""
        grouped: dict[int | None, dict[str, RequirementRow]] = defaultdict(dict)
        units: dict[int | None, Unit | None] = {None: None}
        for row in self.rows:
            key = row.unit.pk if row.unit else None
            grouped[key][row.kind] = row
            units[key] = row.unit
        return [(units[key], grouped[key]) for key in grouped]

    def teachers(self) -> list[tuple[Person, int, int]]:
        """(teacher, required, missing) for everyone responsible for a unit's chats."""
        counts: dict[int, list] = {}
        for row in self.rows:
            for person in row.responsible:
                entry = counts.setdefault(person.pk, [person, 0, 0])
                entry[1] += 1
                entry[2] += 0 if row.met else 1
        return sorted((tuple(v) for v in counts.values()), key=lambda t: (-t[2], t[0].last_name))


def compliance(institution: Institution) -> Compliance:
    """Every required chat of the institution against the chats registered: five queries,
    whatever the number of classes, teachers and chats. Only the columns the board shows are
    loaded, and every person once (a board of 300 classes builds some 1,500 objects)."""
    today = institution.local_today()
    units = list(
        Unit.objects.filter(institution=institution, archived_at__isnull=True).only(
            "id", "institution_id", "kind", "name", "academic_year", "parent_id", "archived_at"
        )
    )
    units_by_id = {u.pk: u for u in units}
    memberships = list(
        Membership.objects.active(today)
        .filter(unit__institution=institution, role__in=[Role.TEACHER, Role.DIRECTOR])
        .values_list("unit_id", "role", "verification", "person_id")
    )
    admin_ids = list(
        AdminAppointment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=today),
            institution=institution,
            start_date__lte=today,
        ).values_list("person_id", flat=True)
    )
    # The board never shows a link: it is not even loaded.
    chats = list(
        Chat.objects.filter(institution=institution, archived_at__isnull=True).only(
            "id", "institution_id", "kind", "unit_id", "owner_id", "title", "platform",
            "member_count", "archived_at",
        )
    )  # fmt: skip
    person_ids = {m[3] for m in memberships} | set(admin_ids) | {c.owner_id for c in chats}
    people = Person.objects.filter(pk__in=person_ids - {None}).only(
        "id", "institution_id", "last_name", "first_name", "patronymic", "user_id", "email"
    )
    people_by_id = {p.pk: p for p in people}
    for chat in chats:
        # Attach what is already loaded instead of a join per chat.
        if chat.unit_id in units_by_id:
            chat.unit = units_by_id[chat.unit_id]
        if chat.owner_id in people_by_id:
            chat.owner = people_by_id[chat.owner_id]
    admins = [people_by_id[i] for i in admin_ids if i in people_by_id]
    teachers_of: dict[int, list[Person]] = defaultdict(list)
    verified_count: dict[int, int] = defaultdict(int)
    directors: list[Person] = []
    for unit_id, role, verification, person_id in memberships:
        person = people_by_id[person_id]
        if role == Role.DIRECTOR:
            directors.append(person)
            continue
        teachers_of[unit_id].append(person)
        if verification == Verification.VERIFIED:
            verified_count[unit_id] += 1
    # A department's teachers include its classes' (rules.department_teachers).
    teachers_of.update(rules.department_teachers(teachers_of, units))
    present: dict[tuple[str, int | None], list[Chat]] = defaultdict(list)
    for chat in chats:
        present[(chat.kind, chat.unit_id)].append(chat)

    rows: list[RequirementRow] = []
    for requirement in REQUIREMENTS:
        if requirement.scope == "institution":
            responsible = directors if Role.DIRECTOR in requirement.responsible else admins
            rows.append(
                RequirementRow(
                    requirement.kind, None, responsible, present[(requirement.kind, None)]
                )
            )
            continue
        for unit in units:
            if rules.applies(
                requirement,
                unit_kind=unit.kind,
                teachers=len(teachers_of[unit.pk]),
                verified_teachers=verified_count[unit.pk],
            ):
                rows.append(
                    RequirementRow(
                        requirement.kind,
                        unit,
                        teachers_of[unit.pk],
                        present[(requirement.kind, unit.pk)],
                    )
                )
    rows.sort(key=lambda r: (r.unit is not None, r.unit.kind if r.unit else "", str(r.unit or "")))
    return Compliance(rows=rows, needs_owner=[c for c in chats if c.owner_id is None])


def chats_of(institution: Institution) -> QuerySet[Chat]:
    return Chat.objects.filter(institution=institution).select_related("unit", "owner")


def registry(institution: Institution, filters: dict | None = None) -> QuerySet[Chat]:
    """The registry's chats with its filters (kind, messenger, unit, owner, state: in use by
    default, "no_owner" or "archived"): the page and its exports show the same rows."""
    qs = chats_of(institution)
    filters = filters or {}
    for name in ("kind", "platform", "unit", "owner"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    state = filters.get("state", "")
    if state == "archived":
        return qs.filter(archived_at__isnull=False)
    qs = qs.filter(archived_at__isnull=True)
    return qs.filter(owner__isnull=True) if state == "no_owner" else qs


def my_chats(user, institution: Institution) -> list[Chat]:
    """The chats whose link the user may see, in two queries."""
    today = institution.local_today()
    held = list(
        Membership.objects.active(today)
        .filter(person__user=user, unit__institution=institution)
        .values_list("unit_id", "unit__kind", "role")
    )
    staff_room_roles = {role for _unit, kind, role in held if kind == UnitKind.STAFF_ROOM}
    roles_in_unit: dict[int, set[str]] = defaultdict(set)
    for unit_id, _kind, role in held:
        roles_in_unit[unit_id].add(role)
    candidates = Chat.objects.filter(institution=institution, archived_at__isnull=True).filter(
        Q(unit_id__in=list(roles_in_unit)) | Q(unit__isnull=True) | Q(owner__user=user)
    )
    return [
        chat
        for chat in candidates.select_related("unit", "owner").order_by("kind", "title")
        if link_visible(chat, user.pk, staff_room_roles, roles_in_unit.get(chat.unit_id, set()))
    ]


def max_migration(institution: Institution) -> dict:
    """Share of active chats on MAX, by unit and by owner, and the chats still on VK."""
    chats = Chat.objects.filter(institution=institution, archived_at__isnull=True)
    totals = chats.aggregate(total=Count("pk"), on_max=Count("pk", filter=Q(platform=Platform.MAX)))
    by_unit = (
        chats.values("unit__name", "unit__academic_year")
        .annotate(total=Count("pk"), on_max=Count("pk", filter=Q(platform=Platform.MAX)))
        .order_by("unit__name")
    )
    by_owner = (
        chats.values("owner__last_name", "owner__first_name")
        .annotate(total=Count("pk"), on_max=Count("pk", filter=Q(platform=Platform.MAX)))
        .order_by("owner__last_name")
    )
    percent = round(100 * totals["on_max"] / totals["total"]) if totals["total"] else 0
    return {
        **totals,
        "percent": percent,
        "by_unit": list(by_unit),
        "by_owner": list(by_owner),
        "on_vk": chats.filter(platform=Platform.VK).select_related("unit", "owner"),
    }


# --- the reconciled membership ----------------------------------------------------------------


def attach_reconciliations(chats: list[Chat]) -> None:
    """`chat.reconciled`: the chat's last reconciliation or None, for every chat in one query."""
    found = {
        r.chat_id: r
        for r in ChatReconciliation.objects.filter(chat_id__in=[c.pk for c in chats] or [0])
    }
    for chat in chats:
        chat.reconciled = found.get(chat.pk)


@dataclass
class MemberLists:
    """The chat's page: who is in it, who should be and is not, who is there but should not."""

    reconciliation: ChatReconciliation | None
    present: list[ChatMember]
    missing: list[ChatMember]
    strangers: list[ChatMember]
    ambiguous: list[ChatMember]
    candidates: dict[int, Person]

    @property
    def reconciled(self) -> bool:
        return self.reconciliation is not None

    @property
    def not_here(self) -> list[ChatMember]:
        """The third list: strangers, leavers, members of other units, undecided names."""
        return self.strangers + self.ambiguous


def member_lists(chat: Chat) -> MemberLists:
    """The stored rows of a chat, by list, with their people (three queries)."""
    rows = list(
        ChatMember.objects.filter(chat=chat)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "name", "pk")
    )
    candidate_ids = {pk for row in rows for pk in row.candidates}
    candidates = {p.pk: p for p in Person.objects.filter(pk__in=candidate_ids or [0])}
    by_state: dict[str, list[ChatMember]] = defaultdict(list)
    for row in rows:
        row.candidate_people = [candidates[pk] for pk in row.candidates if pk in candidates]
        by_state[row.state].append(row)
    return MemberLists(
        reconciliation=ChatReconciliation.objects.filter(chat=chat).first(),
        present=by_state[MemberState.PRESENT],
        missing=by_state[MemberState.MISSING],
        strangers=[r for r in rows if r.state in STRANGER_STATES],
        ambiguous=by_state[MemberState.AMBIGUOUS],
        candidates=candidates,
    )


@dataclass(frozen=True)
class BotStatus:
    """How the MAX bot stands with one registered chat (or with the institution)."""

    code: str  # no_bot, invalid_token, unreachable, not_in_chat, no_access, ok, unknown
    since: dt.datetime | None = None

    @property
    def text(self) -> str:
        since = timezone.localtime(self.since).strftime("%H:%M") if self.since else ""
        return {
            "no_bot": _("no MAX bot token is set"),
            "invalid_token": _("the token is invalid"),
            "unreachable": _("MAX is unreachable since %(time)s") % {"time": since},
            "not_in_chat": _("the bot is not added to the chat"),
            "no_access": _("the bot may not read the members: make it an administrator"),
            "ok": _("synced at %(time)s") % {"time": since},
            "unknown": _("not synced yet"),
        }[self.code]

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def bot_status(chat: Chat, bot: MessengerBot | None, bot_chat: BotChat | None) -> BotStatus:
    if bot is None:
        return BotStatus("no_bot")
    if bot.state == BotState.INVALID_TOKEN:
        return BotStatus("invalid_token", bot.state_since)
    if bot.state == BotState.UNREACHABLE:
        return BotStatus("unreachable", bot.state_since)
    if bot_chat is None or bot_chat.status != BotChatStatus.ACTIVE:
        return BotStatus("not_in_chat" if bot.state == BotState.OK else "unknown")
    if bot_chat.members_denied:
        return BotStatus("no_access")
    if bot_chat.synced_at:
        return BotStatus("ok", bot_chat.synced_at)
    return BotStatus("unknown")


def institution_bot_status(bot: MessengerBot | None) -> BotStatus:
    if bot is None:
        return BotStatus("no_bot")
    if bot.state in (BotState.INVALID_TOKEN, BotState.UNREACHABLE):
        return BotStatus(bot.state, bot.state_since)
    if bot.state == BotState.OK:
        return BotStatus("ok", bot.synced_at)
    return BotStatus("unknown")


def chat_bot_status(chat: Chat) -> BotStatus | None:
    """The bot's state for a MAX chat's page (None for a chat on VK)."""
    if chat.platform != Platform.MAX:
        return None
    bot = MessengerBot.objects.filter(institution_id=chat.institution_id).first()
    bot_chat = BotChat.objects.filter(chat=chat).first() if bot else None
    return bot_status(chat, bot, bot_chat)


def messenger_overview(institution: Institution) -> dict:
    """The MAX bot's settings page: the bot, the chats it sees, the registered MAX chats and
    how the bot stands with each."""
    bot = MessengerBot.objects.filter(institution=institution).select_related("set_by").first()
    bot_chats = list(
        BotChat.objects.filter(institution=institution)
        .exclude(status=BotChatStatus.GONE)
        .select_related("chat")
    )
    by_chat = {b.chat_id: b for b in bot_chats if b.chat_id}
    registered = list(
        Chat.objects.filter(
            institution=institution, platform=Platform.MAX, archived_at__isnull=True
        ).select_related("unit")
    )
    attach_reconciliations(registered)
    for chat in registered:
        chat.bot_status = bot_status(chat, bot, by_chat.get(chat.pk))
    set_by = ""
    if bot is not None:
        user = bot.set_by
        set_by = (user.get_full_name() or user.username) if user else "manage.py"
    return {"bot": bot, "set_by": set_by, "bot_chats": bot_chats, "registered": registered}
