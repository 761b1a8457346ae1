"""The roster people a chat expects, and names as the messenger shows them matched to them.

- `tokens`, `name_key`: a name normalised (lower case, «ё» as «е», punctuation out), its words
  in any order; single letters are initials («Иванов И.», «И. Иванов»);
- `quality`: how a member's name fits a person (by every word, by initials, not at all);
- `Roster`: the institution's people and memberships in force, loaded once (three queries)
  for any number of chats: who each chat expects (its kind's audience in its unit, see
  `chats.rules.AUDIENCE`: the students and teachers of a class for its students' chat, ...) and
  the candidates for a name.
Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from roles import permissions
from roles.models import AdminAppointment, Institution, Membership, Person, UnitKind

from ..models import Chat, MemberIdentity
from ..rules import AUDIENCE

WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)

FULL, INITIALS, NONE = 2, 1, 0


def tokens(name: str) -> list[str]:
    return [w.replace("’", "'") for w in WORD.findall(name.casefold().replace("ё", "е"))]


def name_key(name: str) -> str:
    """The same key for «Иванов Иван», «Иван Иванов» and «иванов  иван»."""
    return " ".join(sorted(tokens(name)))


def quality(member: list[str], parts: tuple[str, str, str]) -> int:
    """FULL when every word of the member's name is one of the person's names (the last and the
    first name among them, the patronymic optional); INITIALS when some are initials of them
    and the last or the first name is written out; NONE otherwise."""
    if not member or len(member) > 3:
        return NONE
    last, first, patronymic = parts
    names = [last, first, patronymic]
    best = NONE
    for assignment in itertools.permutations(range(3), len(member)):
        if 0 not in assignment or 1 not in assignment:
            continue
        full = True
        fits = True
        for word, index in zip(member, assignment, strict=True):
            target = names[index]
            if not target:
                fits = False
                break
            if word == target:
                continue
            if len(word) == 1 and target.startswith(word):
                full = False
                continue
            fits = False
            break
        if not fits:
            continue
        if full:
            return FULL
        written = {index for word, index in zip(member, assignment, strict=True) if len(word) > 1}
        if written & {0, 1}:
            best = INITIALS
    return best


@dataclass(frozen=True)
class RosterPerson:
    pk: int
    parts: tuple[str, str, str]
    short_name: str
    full_name: str
    kind: str
    left_on: dt.date | None


@dataclass(frozen=True)
class Candidate:
    person: RosterPerson
    quality: int


class Roster:
    """An institution's people (those who left too) and its memberships in force today."""

    def __init__(self, institution: Institution, *, today: dt.date | None = None):
        self.institution = institution
        self.today = today or institution.local_today()
        # Remembered member ids (key -> person id), when loaded for a whole sync.
        self.member_ids: dict[str, int | None] | None = None
        # Decisions on names, chat id -> {key: person id}, when loaded for a whole sync.
        self.chat_names: dict[int, dict[str, int | None]] | None = None
        self.people: dict[int, RosterPerson] = {}
        self._by_last: dict[str, set[int]] = defaultdict(set)
        self._by_first: dict[str, set[int]] = defaultdict(set)
        for pk, last, first, patronymic, kind, left_on in Person.objects.filter(
            institution=institution
        ).values_list("pk", "last_name", "first_name", "patronymic", "kind", "left_on"):
            parts = (" ".join(tokens(last)), " ".join(tokens(first)), " ".join(tokens(patronymic)))
            initials = "".join(f"{p[0]}." for p in (first, patronymic) if p)
            person = RosterPerson(
                pk=pk,
                parts=parts,
                short_name=f"{last} {initials}".strip(),
                full_name=" ".join(p for p in (last, first, patronymic) if p),
                kind=kind,
                left_on=left_on,
            )
            self.people[pk] = person
            self._by_last[parts[0]].add(pk)
            self._by_first[parts[1]].add(pk)
        # unit id -> person id -> the roles they hold there (a teacher may be a parent too).
        self.members_of: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.staff_room_id: int | None = None
        for unit_id, unit_kind, person_id, role in (
            Membership.objects.active(self.today)
            .filter(unit__institution=institution)
            .values_list("unit_id", "unit__kind", "person_id", "role")
            .order_by("unit_id", "role")
        ):
            self.members_of[unit_id][person_id].add(role)
            if unit_kind == UnitKind.STAFF_ROOM:
                self.staff_room_id = unit_id
        # The administration and the admins may sit in any chat (regulation 2.2: monitoring).
        self.overseers: dict[int, str] = {}
        for pk, roles in self.members_of.get(self.staff_room_id, {}).items():
            if roles & permissions.ADMINISTRATION:
                self.overseers[pk] = min(roles & permissions.ADMINISTRATION)
        for pk in AdminAppointment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=self.today),
            institution=institution,
            start_date__lte=self.today,
        ).values_list("person_id", flat=True):
            self.overseers.setdefault(pk, "admin")

    def load_identities(self) -> None:
        """The institution's remembered matches (member ids, names decided in each chat), in
        one query for a sync of many chats."""
        self.member_ids, self.chat_names = {}, defaultdict(dict)
        for chat_id, key, person_id in MemberIdentity.objects.filter(
            institution=self.institution
        ).values_list("chat_id", "key", "person_id"):
            if chat_id is None:
                self.member_ids[key] = person_id
            else:
                self.chat_names[chat_id][key] = person_id

    def expected(self, chat: Chat) -> dict[int, str] | None:
        """Person id -> the role in which the chat expects them; None for a chat that expects
        nobody in particular (an "other" chat of no unit)."""
        where, roles = AUDIENCE[chat.kind]
        unit_id = self.staff_room_id if where == "staff_room" else chat.unit_id
        if unit_id is None:
            return None
        expected = {}
        for pk, held in self.members_of.get(unit_id, {}).items():
            fitting = held & roles
            if fitting and self.on_roster(pk):
                expected[pk] = min(fitting)  # one role per person: the same on every run
        return expected

    def on_roster(self, pk: int) -> bool:
        person = self.people.get(pk)
        return person is not None and (person.left_on is None or person.left_on > self.today)

    def candidates(self, name: str, *, best_only: bool = True) -> list[Candidate]:
        """People whose names fit `name`: the best fits only (every word over initials), or
        every fit with its quality."""
        words = tokens(name)
        written = {word for word in words if len(word) > 1}
        # Looked up by the last name (a common first name would bring hundreds); by the first
        # name only when the last name is an initial («Иван И.»).
        ids: set[int] = set()
        for word in written:
            ids |= self._by_last.get(word, set())
        if not ids:
            for word in written:
                ids |= self._by_first.get(word, set())
        found = [Candidate(self.people[pk], quality(words, self.people[pk].parts)) for pk in ids]
        found = [c for c in found if c.quality]
        if not found or not best_only:
            return sorted(found, key=lambda c: (-c.quality, c.person.full_name, c.person.pk))
        top = max(c.quality for c in found)
        return sorted(
            (c for c in found if c.quality == top), key=lambda c: (c.person.full_name, c.person.pk)
        )
