"""The one reconciliation of a chat's members with the roster, and the to-dos it leaves.

`reconcile(chat=..., members=[Member(name, member_id)], source=...)` matches the members the
messenger shows to the people the chat expects (`matching.Roster.expected`), stores one
`ChatMember` row per member and per expected person who is missing, and writes only what
changed: a rerun with the same list changes no row and writes no audit row. Every run that
changes something leaves one audit row, and to-dos for the administrator or the chat's owner
("invite these 4", "check these 2 unknown members", "remove Петров (left on 15.11)") that are
never repeated for the same members while their state lasts.

A member with a messenger id, once matched, is matched by that id from then on
(`MemberIdentity`); a name that fits several people is stored as ambiguous until a person
decides (`decide_member`), and the decision is remembered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from roles import freshness
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Person, TodoKind

from .. import permissions
from ..models import (
    Chat,
    ChatMember,
    ChatReconciliation,
    ChatTodo,
    MemberIdentity,
    MemberSource,
    MemberState,
)
from .matching import Candidate, Roster, name_key
from .memberlist import ParsedList, parse_member_list

COMPARED = ("person_id", "member_id", "name", "role", "state", "source", "candidates")
TODO_NAMES = 12  # names listed in a to-do's title at most


@dataclass(frozen=True)
class Member:
    """A member as the messenger shows them: the name, and the messenger's id if it has one."""

    name: str
    member_id: str = ""


@dataclass
class Planned:
    key: str
    state: str
    person_id: int | None = None
    member_id: str = ""
    name: str = ""
    role: str = ""
    candidates: list[int] = field(default_factory=list)


@dataclass
class ReconcileResult:
    chat: Chat
    rows: list[Planned]
    roster: Roster
    changed: bool = False

    def count(self, *states: str) -> int:
        return sum(row.state in states for row in self.rows)

    @property
    def members_matched(self) -> int:
        return self.count(MemberState.PRESENT)

    @property
    def members_unknown(self) -> int:
        return self.count(
            MemberState.UNKNOWN, MemberState.LEFT, MemberState.MOVED, MemberState.AMBIGUOUS
        )

    @property
    def people_missing(self) -> int:
        return self.count(MemberState.MISSING)

    def of(self, *states: str) -> list[Planned]:
        return [row for row in self.rows if row.state in states]

    def person(self, row: Planned):
        return self.roster.people.get(row.person_id) if row.person_id else None


def _identities(chat: Chat, members: list[Member], roster: Roster) -> tuple[dict, dict]:
    """Remembered matches: by member id (institution-wide) and by name in this chat. A roster
    loaded for a whole sync keeps the institution's member ids (one query for all chats)."""
    if roster.member_ids is None:
        ids = [f"max:{m.member_id}" for m in members if m.member_id]
        by_id = {
            i.key: i.person_id
            for i in MemberIdentity.objects.filter(
                institution_id=chat.institution_id, chat__isnull=True, key__in=ids
            )
        }
    else:
        by_id = roster.member_ids
    if roster.chat_names is not None:
        by_name = roster.chat_names.get(chat.pk, {})
    else:
        by_name = dict(MemberIdentity.objects.filter(chat=chat).values_list("key", "person_id"))
    return by_id, by_name


def plan(
    chat: Chat, members: list[Member], roster: Roster, identities: tuple[dict, dict] | None = None
) -> list[Planned]:
    """The rows the chat should have for these members (nothing is written)."""
    by_id, by_name = identities if identities is not None else _identities(chat, members, roster)
    expected = roster.expected(chat)
    allowed = dict(roster.overseers)
    if chat.owner_id:
        allowed.setdefault(chat.owner_id, "owner")

    def classify(pk: int | None) -> tuple[str, str]:
        if pk is None or pk not in roster.people:
            return MemberState.UNKNOWN, ""
        if not roster.on_roster(pk):
            return MemberState.LEFT, ""
        if expected is None:
            return MemberState.PRESENT, ""
        if pk in expected:
            return MemberState.PRESENT, expected[pk]
        if pk in allowed:
            return MemberState.PRESENT, allowed[pk]
        return MemberState.MOVED, ""

    def fits(candidate: Candidate) -> bool:
        return classify(candidate.person.pk)[0] == MemberState.PRESENT

    rows: dict[str, Planned] = {}
    taken: set[int] = set()
    keyed: list[tuple[str, Member, str]] = []
    keys: set[str] = set()
    seen: Counter = Counter()
    for member in members:
        name = member.name.strip()[:300]
        if member.member_id:
            key, decision_key = f"max:{member.member_id}", f"max:{member.member_id}"
        else:
            base = name_key(name)
            if not base:
                continue
            seen[base] += 1
            key = f"name:{base}" + (f"#{seen[base]}" if seen[base] > 1 else "")
            decision_key = f"name:{base}"
        if key in keys:
            continue
        keys.add(key)
        keyed.append((key, Member(name, member.member_id), decision_key))
    # Remembered decisions first, so that a guess never takes a person someone decided on.
    keyed.sort(key=lambda item: not (item[2] in by_id or item[2] in by_name))
    for key, member, decision_key in keyed:
        row = Planned(key=key, state=MemberState.UNKNOWN, member_id=member.member_id)
        row.name = member.name
        if decision_key in by_id or decision_key in by_name:
            pk = by_id.get(decision_key, by_name.get(decision_key))
            row.person_id = pk
            row.state, row.role = classify(pk)
        else:
            found = roster.candidates(member.name, best_only=False)
            free = [c for c in found if c.person.pk not in taken]
            pool = [c for c in free if fits(c)] or free
            if pool:
                top = max(c.quality for c in pool)
                pool = [c for c in pool if c.quality == top]
            if len(pool) == 1:
                row.person_id = pool[0].person.pk
                row.state, row.role = classify(row.person_id)
            elif pool or found:
                row.state = MemberState.AMBIGUOUS
                row.candidates = sorted(c.person.pk for c in (pool or found))
        if row.person_id is not None:
            taken.add(row.person_id)
        rows[key] = row
    for pk, role in (expected or {}).items():
        if pk not in taken:
            key = f"person:{pk}"
            rows[key] = Planned(key=key, state=MemberState.MISSING, person_id=pk, role=role)
    return list(rows.values())


def preview(*, chat: Chat, text: str) -> tuple[ParsedList, ReconcileResult]:
    """The parse of a pasted list and the matches it would give, for the page to show."""
    parsed = parse_member_list(text)
    roster = Roster(chat.institution)
    members = [Member(line.name) for line in parsed.names]
    return parsed, ReconcileResult(chat=chat, rows=plan(chat, members, roster), roster=roster)


def reconcile_pasted(*, chat: Chat, text: str, by=None) -> ReconcileResult:
    """Reconcile the chat from a member list pasted from a messenger's members screen."""
    parsed = parse_member_list(text)
    if not parsed.names:
        raise RuleBroken({"text": _("No member's name was found in the list.")})
    members = [Member(line.name) for line in parsed.names]
    return reconcile(chat=chat, members=members, source=MemberSource.PASTED, by=by)


def _check(chat: Chat, by) -> None:
    if by is not None and not permissions.can_change(by, chat):
        raise NotAllowed(_("Only the chat's owner or an administrator reconciles its members."))
    if chat.is_archived:
        raise RuleBroken(_("An archived chat cannot be changed."))


@transaction.atomic
def reconcile(
    *,
    chat: Chat,
    members: list[Member],
    source: str,
    by=None,
    roster: Roster | None = None,
    now: dt.datetime | None = None,
) -> ReconcileResult:
    """Store who is in the chat against whom the roster expects there; only changes are
    written. `by` None is the system (the MAX sync, a command)."""
    _check(chat, by)
    # One reconciliation of a chat at a time (the hourly sync and a pasted list may meet).
    list(Chat.objects.select_for_update().filter(pk=chat.pk).values_list("pk", flat=True))
    now = now or timezone.now()
    roster = roster or Roster(chat.institution)
    identities = _identities(chat, members, roster)
    rows = plan(chat, members, roster, identities)
    result = ReconcileResult(chat=chat, rows=rows, roster=roster)
    existing = {row.key: row for row in ChatMember.objects.filter(chat=chat)}
    create, update, since = [], [], {}
    for row in rows:
        values = {
            "person_id": row.person_id,
            "member_id": row.member_id,
            "name": row.name,
            "role": row.role,
            "state": row.state,
            "source": source,
            "candidates": row.candidates,
        }
        old = existing.pop(row.key, None)
        if old is None:
            create.append(
                ChatMember(
                    institution_id=chat.institution_id, chat=chat, key=row.key, since=now, **values
                )
            )
            since[row.key] = now
            continue
        if any(getattr(old, name) != values[name] for name in COMPARED):
            if old.state != row.state:
                old.since = now
            for name, value in values.items():
                setattr(old, name, value)
            update.append(old)
        since[row.key] = old.since
    gone = list(existing.values())
    ChatMember.objects.bulk_create(create)
    if update:
        ChatMember.objects.bulk_update(update, [*COMPARED, "since"])
    if gone:
        ChatMember.objects.filter(pk__in=[row.pk for row in gone]).delete()
    _remember_ids(chat, rows, identities[0])
    result.changed = bool(create or update or gone)
    counts = Counter(row.state for row in rows)
    defaults = {
        "institution_id": chat.institution_id,
        "source": source,
        "checked_at": now,
        "checked_by": by if getattr(by, "is_authenticated", False) else None,
        **{state: counts.get(state, 0) for state in MemberState.values},
    }
    if result.changed:
        defaults["changed_at"] = now
    # The chat's row is locked by this transaction's writes (or it is new): a plain update.
    if not ChatReconciliation.objects.filter(chat=chat).update(**defaults):
        ChatReconciliation.objects.create(chat=chat, **{"changed_at": now, **defaults})
    # An update sends no signal: the board's reconciled counts are read afresh.
    freshness.touch([chat.institution_id])
    if result.changed:
        roles_services.audit(
            institution=chat.institution,
            actor=by,
            action="chat.reconcile",
            summary=_(
                "Members of «%(chat)s» reconciled (%(source)s): %(present)d in the chat, "
                "%(missing)d missing, %(strangers)d not where the roster expects them"
            )
            % {
                "chat": chat.title,
                "source": MemberSource(source).label,
                "present": result.members_matched,
                "missing": result.people_missing,
                "strangers": result.members_unknown,
            },
            obj=chat,
            data={
                "source": source,
                "added": len(create),
                "changed": len(update),
                "removed": len(gone),
                "counts": dict(counts),
            },
        )
    _leave_todos(chat, rows, since, roster)
    return result


def _remember_ids(chat: Chat, rows: list[Planned], known: dict) -> None:
    """A member id matched to one person is matched by that id from then on."""
    new = [
        MemberIdentity(institution_id=chat.institution_id, key=row.key, person_id=row.person_id)
        for row in rows
        if row.member_id
        and row.person_id
        and row.key not in known
        and row.state != MemberState.AMBIGUOUS
    ]
    if new:
        MemberIdentity.objects.bulk_create(new, ignore_conflicts=True)
        known.update({identity.key: identity.person_id for identity in new})


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:TODO_NAMES])
    return shown + (" …" if len(items) > TODO_NAMES else "")


def _leave_todos(chat: Chat, rows: list[Planned], since: dict, roster: Roster) -> None:
    """One to-do per kind for the members not yet covered by a to-do issued since their state
    began; one per person to remove. Reruns add nothing while the states last."""
    covered: dict[tuple[str, str], dt.datetime] = {}
    for todo in ChatTodo.objects.filter(chat=chat).select_related("todo"):
        for key in todo.keys:
            at = covered.get((todo.kind, key))
            created = todo.todo.created_at
            covered[(todo.kind, key)] = max(at, created) if at else created

    def due(kind: str, row: Planned) -> bool:
        at = covered.get((kind, row.key))
        return at is None or at < since[row.key]

    wanted: dict[str, list[Planned]] = defaultdict(list)
    for row in rows:
        if row.state == MemberState.MISSING and due(ChatTodo.Kind.INVITE, row):
            wanted[ChatTodo.Kind.INVITE].append(row)
        elif row.state in (MemberState.UNKNOWN, MemberState.AMBIGUOUS) and due(
            ChatTodo.Kind.CHECK, row
        ):
            wanted[ChatTodo.Kind.CHECK].append(row)
        elif row.state in (MemberState.LEFT, MemberState.MOVED) and due(ChatTodo.Kind.REMOVE, row):
            wanted[ChatTodo.Kind.REMOVE].append(row)
    if invite := wanted[ChatTodo.Kind.INVITE]:
        title = roles_services.portal_text(
            gettext_noop("Invite to the chat «%(chat)s» (%(count)s): %(names)s"),
            chat=chat.title,
            count=len(invite),
            names=_names([roster.people[r.person_id].short_name for r in invite]),
        )
        _todo(chat, ChatTodo.Kind.INVITE, TodoKind.OTHER, title, invite)
    if check := wanted[ChatTodo.Kind.CHECK]:
        title = roles_services.portal_text(
            gettext_noop(
                "Check the members of the chat «%(chat)s» not on the roster (%(count)s): %(names)s"
            ),
            chat=chat.title,
            count=len(check),
            names=_names([r.name for r in check]),
        )
        _todo(chat, ChatTodo.Kind.CHECK, TodoKind.OTHER, title, check)
    for row in wanted[ChatTodo.Kind.REMOVE]:
        person = roster.people[row.person_id]
        if row.state == MemberState.LEFT and person.left_on:
            title = roles_services.portal_text(
                gettext_noop("Remove %(person)s from the chat «%(chat)s» (left on %(date)s)"),
                person=person.short_name,
                chat=chat.title,
                date=person.left_on.strftime("%d.%m.%Y"),
            )
        else:
            title = roles_services.portal_text(
                gettext_noop("Remove %(person)s from the chat «%(chat)s» (not of its unit)"),
                person=person.short_name,
                chat=chat.title,
            )
        _todo(chat, ChatTodo.Kind.REMOVE, TodoKind.REMOVE, title, [row], person_id=row.person_id)


def _todo(chat, kind, todo_kind, title, rows, person_id=None) -> None:
    todo = roles_services.create_todo(
        institution=chat.institution,
        kind=todo_kind,
        title=title,
        person=Person.objects.get(pk=person_id) if person_id else None,
        unit=chat.unit,
    )
    ChatTodo.objects.create(chat=chat, todo=todo, kind=kind, keys=[row.key for row in rows])


@transaction.atomic
def decide_member(*, member: ChatMember, person: Person | None, by) -> ReconcileResult:
    """A person decides who an ambiguous (or any) member is, or that they are not on the roster;
    the decision is remembered (by the member id, else by the name in this chat) and the chat
    is reconciled again with the members it has."""
    chat = member.chat
    _check(chat, by)
    if member.state == MemberState.MISSING:
        raise RuleBroken(_("Only a member seen in the chat can be matched."))
    if person is not None and person.institution_id != chat.institution_id:
        raise RuleBroken(_("The person belongs to another institution."))
    if member.member_id:
        scope, key = {"institution_id": chat.institution_id, "chat": None}, member.key
    else:
        scope, key = (
            {"institution_id": chat.institution_id, "chat": chat},
            "name:" + name_key(member.name),
        )
    decision = {"person": person, "decided_by": by, "decided_at": timezone.now()}
    MemberIdentity.objects.update_or_create(**scope, key=key, defaults=decision)
    roles_services.audit(
        institution=chat.institution,
        actor=by,
        action="chat.member_decided",
        summary=_("A member of «%(chat)s» matched by hand") % {"chat": chat.title},
        obj=chat,
        data={"member": member.pk, "person": person.pk if person else None},
    )
    current = ChatMember.objects.filter(chat=chat).exclude(state=MemberState.MISSING)
    members = [Member(row.name, row.member_id) for row in current.order_by("pk")]
    return reconcile(chat=chat, members=members, source=member.source, by=by)


def remove_leaver_from_chats(*, person: Person, by=None) -> int:
    """A person left the institution while a reconciled chat still has them: the row says so
    and the administrator gets a "remove from the chat" to-do. Returns the chats concerned."""
    rows = list(
        ChatMember.objects.filter(person=person, state=MemberState.PRESENT).select_related("chat")
    )
    if not rows:
        return 0
    now = timezone.now()
    roster = Roster(person.institution)
    for row in rows:
        ChatMember.objects.filter(pk=row.pk).update(state=MemberState.LEFT, role="", since=now)
        ChatReconciliation.objects.filter(chat_id=row.chat_id).update(
            present=F("present") - 1, left=F("left") + 1, changed_at=now
        )
        planned = Planned(key=row.key, state=MemberState.LEFT, person_id=person.pk, name=row.name)
        _leave_todos(row.chat, [planned], {row.key: now}, roster)
    freshness.touch([person.institution_id])
    roles_services.audit(
        institution=person.institution,
        actor=by,
        action="chat.member_left",
        summary=_("%(person)s left the institution but is still in %(count)d chats")
        % {"person": person.short_name, "count": len(rows)},
        obj=person,
        data={"chats": [row.chat_id for row in rows]},
    )
    return len(rows)
