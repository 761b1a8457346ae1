"""Reads: compliance with the required chats in a fixed number of queries, "my chats", the
reconciled members of a chat, and how the MAX bot stands with each chat."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles import freshness
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
    """Every required chat of the institution against the chats registered, as one list (what
    «My classes» and the reminders read): the board's required rows, all of them, so that the
    board, «My classes» and the reminders can never disagree (one computation, in SQL)."""
    board = Board(institution)
    rows = [
        RequirementRow(row.kind, row.unit, row.responsible, row.chats)
        for row in board
        if row.required
    ]
    return Compliance(rows=rows, needs_owner=board.totals_loaded().needs_owner)


# --- the compliance board, computed and paged in the database ---------------------------------

UNIT_REQUIREMENTS = [r for r in REQUIREMENTS if r.scope != "institution"]
INSTITUTION_REQUIREMENTS = [r for r in REQUIREMENTS if r.scope == "institution"]
UNIT_KIND_OF_SCOPE = {"class": UnitKind.CLASS, "department": UnitKind.DEPARTMENT}
PRESENT, MISSING = "present", "missing"
# The rows that ask for something to be done ("only gaps").
GAP_STATUSES = (MISSING, rules.ClassState.NEEDS_OWNER)


def _in_force_sql(alias: str) -> str:
    return f"{alias}.start_date <= %s AND ({alias}.end_date IS NULL OR {alias}.end_date > %s)"


def unit_state_sql(
    *,
    institution_ids: list[int],
    day: dt.date,
    end: dt.datetime | None = None,
    kinds: tuple[str, ...] = (UnitKind.CLASS, UnitKind.DEPARTMENT),
) -> tuple[str, list]:
    """`WITH … unit_state`: the units of the institutions with what the rules ask of them on
    `day`, for a query to read (SQL and its parameters). Columns: id, institution_id, kind,
    name, academic_year; teachers and verified (teachers in force, verified ones: a
    department's teachers with its classes', as `rules.department_teachers` says); has_<kind>
    for every unit chat kind (a chat of that kind registered and in use); state, the class's
    `rules.ClassState` (stated once by `rules.class_state_sql`); status_<kind>, the row's
    status on the board (present, missing, or the class's state where none is required).

    Without `end`: now (the board). With `end`, the end of a past `day` (the statistics'
    rollup): units, chats and verifications as they were by then. The one definition of «a
    class with its chats», for the board and the statistics alike. The counts are computed
    once per unit (a materialised CTE), whatever reads them.
    """
    if end is not None:  # as the ORM would write it (SQLite: UTC text)
        end = connection.ops.adapt_datetimefield_value(end)
    day = connection.ops.adapt_datefield_value(day)
    membership = Membership._meta.db_table
    chat = Chat._meta.db_table
    unit = Unit._meta.db_table
    params: list = []
    if end is None:
        class_alive, class_alive_params = "k.archived_at IS NULL", []
    else:
        class_alive = "(k.archived_at IS NULL OR k.archived_at >= %s) AND k.created_at < %s"
        class_alive_params = [end, end]
    # A department's teachers include its classes' (a class's parent is a department; a
    # class has no classes of its own).
    teachers = (
        f"SELECT COUNT(*) FROM (SELECT m.person_id FROM {membership} m"
        f" WHERE m.unit_id = un.id AND m.role = %s AND {_in_force_sql('m')}"
        f" UNION SELECT m.person_id FROM {membership} m JOIN {unit} k ON k.id = m.unit_id"
        f" WHERE k.parent_id = un.id AND k.kind = %s AND {class_alive}"
        f" AND m.role = %s AND {_in_force_sql('m')}) AS unit_teachers"
    )
    params += [Role.TEACHER, day, day, UnitKind.CLASS, *class_alive_params, Role.TEACHER, day, day]
    verified = (
        f"SELECT COUNT(DISTINCT m.person_id) FROM {membership} m"
        f" WHERE m.unit_id = un.id AND m.role = %s AND {_in_force_sql('m')}"
        " AND m.verification = %s"
    )
    params += [Role.TEACHER, day, day, Verification.VERIFIED]
    if end is not None:
        verified += " AND (m.verified_at < %s OR m.verified_at IS NULL)"
        params.append(end)
    if end is None:
        chat_alive = "c.archived_at IS NULL"
    else:
        chat_alive = "(c.archived_at IS NULL OR c.archived_at >= %s) AND c.created_at < %s"
    has = []
    for r in UNIT_REQUIREMENTS:
        has.append(
            f"EXISTS (SELECT 1 FROM {chat} c WHERE c.unit_id = un.id AND c.kind = %s"
            f" AND {chat_alive}) AS has_{r.kind}"
        )
        params += [r.kind] + ([] if end is None else [end, end])
    where = [
        f"un.institution_id IN ({', '.join(['%s'] * len(institution_ids))})",
        f"un.kind IN ({', '.join(['%s'] * len(kinds))})",
    ]
    params += [*institution_ids, *kinds]
    if end is None:
        where.append("un.archived_at IS NULL")
    else:
        where.append("(un.archived_at IS NULL OR un.archived_at >= %s) AND un.created_at < %s")
        params += [end, end]
    state = rules.class_state_sql(
        teachers="teachers",
        verified_teachers="verified",
        present={kind: f"has_{kind}" for kind in rules.CLASS_CHAT_KINDS},
    )
    not_required = (
        f"('{rules.ClassState.NEEDS_OWNER.value}', '{rules.ClassState.NO_VERIFIED_TEACHER.value}')"
    )
    statuses = []
    for r in UNIT_REQUIREMENTS:
        if r.scope == "class":
            statuses.append(
                f"CASE WHEN kind = '{UnitKind.CLASS.value}' AND ({state}) IN {not_required}"
                f" THEN ({state}) WHEN has_{r.kind} THEN '{PRESENT}' ELSE '{MISSING}' END"
                f" AS status_{r.kind}"
            )
        else:
            statuses.append(
                f"CASE WHEN has_{r.kind} THEN '{PRESENT}' ELSE '{MISSING}' END AS status_{r.kind}"
            )
    sql = (
        "WITH unit_counts AS MATERIALIZED ("
        " SELECT un.id, un.institution_id, un.kind, un.name, un.academic_year,"
        f" ({teachers}) AS teachers, ({verified}) AS verified, {', '.join(has)}"
        f" FROM {unit} un WHERE {' AND '.join(where)}"
        "), unit_state AS ("
        f" SELECT unit_counts.*, {state} AS state, {', '.join(statuses)} FROM unit_counts"
        ")"
    )
    return sql, params


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def class_states(
    *, institution_ids: list[int], day: dt.date, end: dt.datetime | None = None
) -> list[dict]:
    """Every class of the institutions with its teachers, verified teachers, class chats and
    state on `day` (one query): what the statistics' rollup counts."""
    if not institution_ids:
        return []
    sql, params = unit_state_sql(
        institution_ids=institution_ids, day=day, end=end, kinds=(UnitKind.CLASS,)
    )
    columns = ", ".join(f"has_{kind}" for kind in rules.CLASS_CHAT_KINDS)
    return _rows(
        f"{sql} SELECT id, institution_id, teachers, verified, state, {columns} FROM unit_state",
        params,
    )


# The board kept at most this long: its rows change with the day and with the stamp only.
KEPT_SECONDS = 60


STATUS_LABELS = {
    PRESENT: gettext_lazy("present"),
    MISSING: gettext_lazy("missing"),
}


@dataclass
class BoardRow:
    """One row of the board: a required chat (or a class's chat not required yet)."""

    kind: str
    unit: Unit | None
    status: str
    responsible: list[Person] = field(default_factory=list)
    chats: list[Chat] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return bool(self.chats)

    @property
    def required(self) -> bool:
        return self.status in (PRESENT, MISSING)

    @property
    def kind_label(self) -> str:
        return ChatKind(self.kind).label

    @property
    def status_label(self) -> str:
        if self.status in STATUS_LABELS:
            return STATUS_LABELS[self.status]
        return str(rules.ClassState(self.status).label)


@dataclass
class BoardTotals:
    """The board's figures for the whole institution, whatever the filters."""

    met: int
    total: int
    classes_total: int
    classes_with_chats: int
    class_states: dict[str, int]
    needs_owner: list[Chat]

    @property
    def percent(self) -> int:
        return round(100 * self.met / self.total) if self.total else 100

    @property
    def classes_percent(self) -> float | None:
        """As the statistics' share (`stats.selectors.share`): one decimal, None without classes."""
        if not self.classes_total:
            return None
        return round(100 * self.classes_with_chats / self.classes_total, 1)

    @property
    def class_state_list(self) -> list[tuple[str, str, int]]:
        return [
            (s.value, str(s.label), self.class_states.get(s.value, 0)) for s in rules.ClassState
        ]


class Board:
    """The compliance board of an institution with its filters: the totals in one aggregate,
    the rows of one page from one query, and what those rows show in three more (whatever the
    size of the institution), all over `unit_state_sql`. Sliced (`board[a:b]`) by the
    paginator; iterated whole by the exports. What it reads is kept in the cache under the
    institution's stamp (`roles.freshness`) for the same filters, and read afresh after a
    change."""

    CHUNK = 500

    def __init__(self, institution: Institution, filters: dict | None = None):
        self.institution = institution
        self.today = institution.local_today()
        self.day_sql = connection.ops.adapt_datefield_value(self.today)
        filters = filters or {}
        self.scope = filters.get("scope") or ""
        self.gaps = bool(filters.get("gaps"))
        self.teacher = filters.get("teacher")
        self.cte, self.cte_params = unit_state_sql(institution_ids=[institution.pk], day=self.today)
        self._loaded = False
        # What the board reads changes with the institution's units, memberships, chats and
        # their reconciliations, each of which moves the institution's stamp on.
        self._key = (
            f"portal-board:{freshness.stamp(institution.pk)}:{self.today.toordinal()}"
            f":{self.scope}:{int(self.gaps)}:{getattr(self.teacher, 'pk', '')}"
        )

    @property
    def cache_key(self) -> str:
        """What the board's rows are kept under (the page keeps its drawn rows under it too)."""
        return self._key

    def _kept(self, part: str, compute):
        """`compute()`, kept in the cache for the same board until the stamp moves on."""
        key = f"{self._key}:{part}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, KEPT_SECONDS)
        return value

    # -- which rows -------------------------------------------------------------------------

    def _shown_requirements(self):
        for position, requirement in enumerate(REQUIREMENTS):
            if self.scope == "institution" and requirement.scope != "institution":
                continue
            if self.scope in (UnitKind.CLASS, UnitKind.DEPARTMENT) and (
                UNIT_KIND_OF_SCOPE.get(requirement.scope) != self.scope
            ):
                continue
            yield position, requirement

    def _unit_filter(self, requirement) -> tuple[str, list]:
        """The units that have a row of `requirement` under the filters (SQL over unit_state)."""
        sql = [f"kind = '{UNIT_KIND_OF_SCOPE[requirement.scope].value}'"]
        params: list = []
        if requirement.scope == "department":
            sql.append("teachers > 0")  # a department without teachers requires nothing
        if self.gaps:
            sql.append(f"status_{requirement.kind} IN ({', '.join(['%s'] * len(GAP_STATUSES))})")
            params += list(GAP_STATUSES)
        if self.teacher is not None:
            # The units the teacher answers for: their own, and the department of a class they
            # teach (rules.department_teachers).
            membership, unit = Membership._meta.db_table, Unit._meta.db_table
            teaches = f"t.role = %s AND t.person_id = %s AND {_in_force_sql('t')}"
            sql.append(
                f"(EXISTS (SELECT 1 FROM {membership} t WHERE t.unit_id = unit_state.id"
                f" AND {teaches}) OR EXISTS (SELECT 1 FROM {membership} t"
                f" JOIN {unit} k ON k.id = t.unit_id WHERE k.parent_id = unit_state.id"
                f" AND k.kind = '{UnitKind.CLASS.value}' AND k.archived_at IS NULL AND {teaches}))"
            )
            params += [Role.TEACHER, self.teacher.pk, self.day_sql, self.day_sql] * 2
        return " AND ".join(sql), params

    def _load(self) -> None:
        """The totals (one aggregate), the institution's own chats and those without an owner
        (one query), the directors and administrators (two)."""
        if self._loaded:
            return
        self._loaded = True
        self.__dict__.update(self._kept("totals", self._read_totals))

    def _read_totals(self) -> dict:
        sums, params = [], []
        for state in rules.ClassState:
            sums.append(
                f"SUM(CASE WHEN kind = 'class' AND state = '{state.value}' THEN 1 ELSE 0 END)"
                f" AS state_{state.value}"
            )
        sums.append("SUM(CASE WHEN kind = 'class' THEN 1 ELSE 0 END) AS classes_total")
        for r in UNIT_REQUIREMENTS:
            required = _required_sql(r)
            sums.append(f"SUM(CASE WHEN {required} THEN 1 ELSE 0 END) AS required_{r.kind}")
            sums.append(
                f"SUM(CASE WHEN {required} AND status_{r.kind} = '{PRESENT}' THEN 1 ELSE 0 END)"
                f" AS met_{r.kind}"
            )
        shown = [r for _p, r in self._shown_requirements() if r.scope != "institution"]
        for r in shown:
            condition, condition_params = self._unit_filter(r)
            sums.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS shown_{r.kind}")
            params += condition_params
        totals = _rows(
            f"{self.cte} SELECT {', '.join(sums)} FROM unit_state", self.cte_params + params
        )[0]
        totals = {k: int(v or 0) for k, v in totals.items()}

        chats = list(
            Chat.objects.filter(institution=self.institution, archived_at__isnull=True)
            .filter(
                Q(unit__isnull=True, kind__in=[r.kind for r in INSTITUTION_REQUIREMENTS])
                | Q(owner__isnull=True)
            )
            .defer("link")
            .select_related("owner", "reconciliation")
            .order_by("title", "pk")
        )
        for chat in chats:
            chat.reconciled = _reconciliation(chat)
        institution_chats: dict[str, list[Chat]] = defaultdict(list)
        for chat in chats:
            if chat.unit_id is None and chat.kind in {r.kind for r in INSTITUTION_REQUIREMENTS}:
                institution_chats[chat.kind].append(chat)
        # The directors and the administrators: one query.
        directing = Membership.objects.active(self.today).filter(
            person_id=OuterRef("pk"), unit__institution=self.institution, role=Role.DIRECTOR
        )
        appointed = AdminAppointment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=self.today),
            person_id=OuterRef("pk"),
            institution=self.institution,
            start_date__lte=self.today,
        )
        heads = list(
            Person.objects.filter(institution=self.institution)
            .annotate(is_director=Exists(directing), is_admin=Exists(appointed))
            .filter(Q(is_director=True) | Q(is_admin=True))
            .order_by("last_name", "pk")
        )
        directors = [p for p in heads if p.is_director]
        admins = [p for p in heads if p.is_admin]
        institution_rows = []
        for _position, r in self._shown_requirements():
            if r.scope != "institution":
                continue
            row = BoardRow(
                r.kind,
                None,
                PRESENT if institution_chats[r.kind] else MISSING,
                _responsible_for(r, directors, admins),
                institution_chats[r.kind],
            )
            if self.gaps and row.status not in GAP_STATUSES:
                continue
            if self.teacher is not None and not any(
                p.pk == self.teacher.pk for p in row.responsible
            ):
                continue
            institution_rows.append(row)
        institution_met = sum(bool(institution_chats[r.kind]) for r in INSTITUTION_REQUIREMENTS)
        board_totals = BoardTotals(
            met=institution_met + sum(totals[f"met_{r.kind}"] for r in UNIT_REQUIREMENTS),
            total=len(INSTITUTION_REQUIREMENTS)
            + sum(totals[f"required_{r.kind}"] for r in UNIT_REQUIREMENTS),
            classes_total=totals["classes_total"],
            classes_with_chats=totals[f"state_{rules.ClassState.COMPLETE}"],
            class_states={s.value: totals[f"state_{s.value}"] for s in rules.ClassState},
            needs_owner=[c for c in chats if c.owner_id is None],
        )
        return {
            "institution_chats": institution_chats,
            "directors": directors,
            "admins": admins,
            "institution_rows": institution_rows,
            "_count": len(institution_rows) + sum(totals[f"shown_{r.kind}"] for r in shown),
            "totals": board_totals,
        }

    def totals_loaded(self) -> BoardTotals:
        self._load()
        return self.totals

    def _institution_responsible(self, requirement) -> list[Person]:
        return _responsible_for(requirement, self.directors, self.admins)

    # -- the sequence the paginator slices ---------------------------------------------------

    def count(self) -> int:
        if self._loaded:
            return self._count
        # Kept on its own: a page whose parts are kept needs the number of rows only.
        return self._kept("count", lambda: (self._load(), self._count)[1])

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        """Every row, read a chunk at a time (the exports)."""
        count = self.count()
        for start in range(0, count, self.CHUNK):
            yield from self[start : start + self.CHUNK]

    def _unit_rows(self, offset: int, limit: int) -> list[tuple]:
        parts, params = [], []
        for position, r in self._shown_requirements():
            if r.scope == "institution":
                continue
            condition, condition_params = self._unit_filter(r)
            parts.append(
                f"SELECT {1 if r.scope == 'class' else 2} AS b_section, name AS b_name,"
                f" academic_year AS b_year, {position} AS b_position, id AS b_unit,"
                f" '{r.kind}' AS b_kind, status_{r.kind} AS b_status"
                f" FROM unit_state WHERE {condition}"
            )
            params += condition_params
        if not parts or limit <= 0:
            return []
        sql = (
            f"{self.cte} {' UNION ALL '.join(parts)}"
            " ORDER BY b_section, b_name, b_year, b_position LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, self.cte_params + params + [limit, offset])
            return cursor.fetchall()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("the board's rows are read by slices")
        start, stop = key.start or 0, key.stop if key.stop is not None else self.count()
        return KeptRows(self, start, stop)

    def _read_rows(self, start: int, stop: int) -> list[BoardRow]:
        self._load()
        rows = self.institution_rows[start:stop]
        unit_start = max(start - len(self.institution_rows), 0)
        unit_stop = stop - len(self.institution_rows)
        found = self._unit_rows(unit_start, unit_stop - unit_start)
        units = {
            pk: Unit(
                pk=pk,
                institution_id=self.institution.pk,
                kind=UnitKind.CLASS if section == 1 else UnitKind.DEPARTMENT,
                name=name,
                academic_year=year,
            )
            for section, name, year, _p, pk, _k, _s in found
        }
        responsible: dict[int, list[Person]] = defaultdict(list)
        present: dict[tuple[int, str], list[Chat]] = defaultdict(list)
        if units:
            departments = [pk for pk, u in units.items() if u.kind == UnitKind.DEPARTMENT]
            teaching = list(
                Membership.objects.active(self.today)
                .filter(
                    Q(unit_id__in=list(units))
                    | Q(
                        unit__parent_id__in=departments,
                        unit__kind=UnitKind.CLASS,
                        unit__archived_at__isnull=True,
                    ),
                    role=Role.TEACHER,
                )
                .annotate(unit_kind=F("unit__kind"), department_id=F("unit__parent_id"))
                .select_related("person")
                .order_by("person__last_name", "person__first_name", "person_id")
            )
            teachers_of: dict[int, list[Person]] = defaultdict(list)
            classes = []
            for m in teaching:
                teachers_of[m.unit_id].append(m.person)
                if m.unit_kind == UnitKind.CLASS:
                    classes.append(Unit(pk=m.unit_id, kind=m.unit_kind, parent_id=m.department_id))
            for pk in units:
                responsible[pk] = list({p.pk: p for p in teachers_of[pk]}.values())
            # A department's own teachers, then its classes' (the rule says who they are).
            responsible.update(rules.department_teachers(teachers_of, [*units.values(), *classes]))
            for chat in (
                Chat.objects.filter(
                    unit_id__in=list(units),
                    kind__in=[r.kind for r in UNIT_REQUIREMENTS],
                    archived_at__isnull=True,
                )
                .defer("link")
                .select_related("owner", "reconciliation")
                .order_by("title", "pk")
            ):
                chat.unit = units[chat.unit_id]
                chat.reconciled = _reconciliation(chat)
                present[(chat.unit_id, chat.kind)].append(chat)
        for _section, _name, _year, _position, pk, kind, status in found:
            rows.append(BoardRow(kind, units[pk], status, responsible[pk], present[(pk, kind)]))
        return rows

    # -- who has missing chats ---------------------------------------------------------------

    def teachers(self, limit: int = 30) -> list[tuple[Person, int, int]]:
        """(person, required, missing) of those with missing chats, the most first: one query
        over the teachers' memberships, and the institution's own rows of the directors and
        administrators."""
        self._load()
        return self._kept(f"teachers:{limit}", lambda: self._read_teachers(limit))

    def _read_teachers(self, limit: int) -> list[tuple[Person, int, int]]:
        required, missing = [], []
        for r in UNIT_REQUIREMENTS:
            condition = _required_sql(r, "us.")
            required.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END")
            missing.append(
                f"CASE WHEN {condition} AND us.status_{r.kind} = '{MISSING}' THEN 1 ELSE 0 END"
            )
        person = Person._meta.db_table
        # Each teacher once per unit they answer for: their own, and the department of a
        # class they teach (rules.department_teachers).
        membership = Membership._meta.db_table
        answers_for = (
            f"SELECT m.person_id, m.unit_id FROM {membership} m"
            f" JOIN unit_state own ON own.id = m.unit_id WHERE m.role = %s AND {_in_force_sql('m')}"
            f" UNION SELECT m.person_id, mu.parent_id FROM {membership} m"
            f" JOIN {Unit._meta.db_table} mu ON mu.id = m.unit_id"
            f" JOIN unit_state dep ON dep.id = mu.parent_id"
            f" WHERE dep.kind = '{UnitKind.DEPARTMENT.value}'"
            f" AND mu.kind = '{UnitKind.CLASS.value}' AND mu.archived_at IS NULL"
            f" AND m.role = %s AND {_in_force_sql('m')}"
        )
        sql = (
            f"{self.cte} SELECT t.person_id, p.last_name, p.first_name, p.patronymic,"
            f" SUM({' + '.join(required)}) AS required, SUM({' + '.join(missing)}) AS missing"
            f" FROM ({answers_for}) t JOIN unit_state us ON us.id = t.unit_id"
            f" JOIN {person} p ON p.id = t.person_id"
            " GROUP BY t.person_id, p.last_name, p.first_name, p.patronymic"
        )
        special = {p.pk for p in self.directors} | {p.pk for p in self.admins}
        counts: dict[int, list] = {}
        in_force = [Role.TEACHER, self.day_sql, self.day_sql]
        for row in _rows(sql, self.cte_params + in_force + in_force):
            needed, lacking = int(row["required"] or 0), int(row["missing"] or 0)
            if not needed or (not lacking and row["person_id"] not in special):
                continue
            teacher = Person(
                pk=row["person_id"],
                institution_id=self.institution.pk,
                last_name=row["last_name"],
                first_name=row["first_name"],
                patronymic=row["patronymic"],
            )
            counts[teacher.pk] = [teacher, needed, lacking]
        for r in INSTITUTION_REQUIREMENTS:
            for responsible in self._institution_responsible(r):
                entry = counts.setdefault(responsible.pk, [responsible, 0, 0])
                entry[1] += 1
                entry[2] += 0 if self.institution_chats[r.kind] else 1
        ranked = sorted(
            (tuple(v) for v in counts.values() if v[2]), key=lambda t: (-t[2], t[0].last_name)
        )
        return ranked[:limit]


class KeptRows(Sequence):
    """A slice of the board's rows, read (from the cache or the database) when first looked
    at: a page whose drawn rows are kept never reads them. Its length is known without them."""

    def __init__(self, board: Board, start: int, stop: int):
        self.board, self.start, self.stop = board, start, stop
        self._rows: list[BoardRow] | None = None

    def rows(self) -> list[BoardRow]:
        if self._rows is None:
            start, stop = self.start, self.stop
            self._rows = self.board._kept(
                f"rows:{start}:{stop}", lambda: self.board._read_rows(start, stop)
            )
        return self._rows

    def __len__(self) -> int:
        return max(0, min(self.stop, self.board.count()) - self.start)

    def __getitem__(self, index):
        return self.rows()[index]

    def __iter__(self):
        return iter(self.rows())

    def __eq__(self, other) -> bool:
        return list(self) == list(other)


def _required_sql(requirement, alias: str = "") -> str:
    """The unit_state rows that require a chat of `requirement` (SQL): a unit of its kind where
    it is required (present or missing); a department only once it has teachers."""
    sql = (
        f"{alias}kind = '{UNIT_KIND_OF_SCOPE[requirement.scope].value}'"
        f" AND {alias}status_{requirement.kind} IN ('{PRESENT}', '{MISSING}')"
    )
    if requirement.scope == "department":
        sql += f" AND {alias}teachers > 0"
    return sql


def _responsible_for(requirement, directors: list[Person], admins: list[Person]) -> list[Person]:
    """Who answers for one of the institution's own required chats."""
    return directors if Role.DIRECTOR in requirement.responsible else admins


def _reconciliation(chat: Chat) -> ChatReconciliation | None:
    try:
        return chat.reconciliation
    except ChatReconciliation.DoesNotExist:
        return None


def board(institution: Institution, filters: dict | None = None) -> Board:
    """The compliance board with its filters (scope, gaps, teacher): the page and its exports
    show the same rows."""
    return Board(institution, filters)


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
