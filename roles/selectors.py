"""Reads for lists, dashboards and counts: a fixed number of queries each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from .models import (
    AdminAppointment,
    AuditEvent,
    Institution,
    Membership,
    Movement,
    Person,
    PersonKind,
    Role,
    RosterImport,
    TodoItem,
    Unit,
    UnitKind,
    Verification,
    in_force,
    normalize_search,
    on_roster,
)

# The staff room first, then departments, then classes.
KIND_ORDER = Case(
    When(kind=UnitKind.STAFF_ROOM, then=Value(0)),
    When(kind=UnitKind.DEPARTMENT, then=Value(1)),
    default=Value(2),
)


# Staff before students before parents in a unit's member list.
ROLE_ORDER = Case(
    *(When(role=role, then=Value(i)) for i, role in enumerate(Role.values)),
    default=Value(99),
)


def units_of(institution: Institution, *, include_archived: bool = False) -> QuerySet[Unit]:
    qs = Unit.objects.filter(institution=institution)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    today = institution.local_today()
    current = in_force(today, "memberships__")
    return (
        qs.select_related("parent")
        .annotate(
            members_count=Count("memberships", filter=current),
            students_count=Count("memberships", filter=current & Q(memberships__role=Role.STUDENT)),
            teachers_count=Count("memberships", filter=current & Q(memberships__role=Role.TEACHER)),
        )
        .order_by(KIND_ORDER, "name", "academic_year")
    )


def people_of(institution: Institution) -> QuerySet[Person]:
    """The roster with each person's units in force, for the people list."""
    today = institution.local_today()
    return (
        Person.objects.filter(institution=institution)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.active(today).select_related("unit"),
                to_attr="current_memberships",
            )
        )
        .annotate(
            is_admin=Exists(
                AdminAppointment.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
            )
        )
    )


def unit_members(unit: Unit) -> QuerySet[Membership]:
    return (
        Membership.objects.active(unit.institution.local_today())
        .filter(unit=unit)
        .select_related("person")
        .order_by(ROLE_ORDER, "person__last_name", "person__first_name")
    )


def person_memberships(person: Person) -> QuerySet[Membership]:
    return person.memberships.select_related("unit", "verified_by").order_by(
        "end_date", "-start_date"
    )


def person_movements(person: Person) -> QuerySet[Movement]:
    return person.movements.select_related("from_unit", "to_unit", "recorded_by")


def movements_of(institution: Institution) -> QuerySet[Movement]:
    return Movement.objects.filter(institution=institution).select_related(
        "person", "from_unit", "to_unit", "recorded_by"
    )


def appointments_of(institution: Institution) -> QuerySet[AdminAppointment]:
    return AdminAppointment.objects.filter(institution=institution).select_related(
        "person", "appointed_by", "ended_by"
    )


def active_admins(institution: Institution) -> QuerySet[AdminAppointment]:
    return appointments_of(institution).filter(end_date__isnull=True)


def todos_of(institution: Institution, *, done: bool | None = False) -> QuerySet[TodoItem]:
    qs = TodoItem.objects.filter(institution=institution).select_related(
        "person", "unit", "done_by"
    )
    if done is True:
        return qs.filter(done_at__isnull=False).order_by("-done_at")
    if done is False:
        return qs.filter(done_at__isnull=True).order_by("created_at", "id")
    return qs


def audit_of(institution: Institution) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(institution=institution).select_related("actor")


def roster_imports_of(institution: Institution) -> QuerySet[RosterImport]:
    return RosterImport.objects.filter(institution=institution).select_related("uploaded_by")


def teachers_awaiting_verification(institution: Institution) -> QuerySet[Person]:
    """The people on the roster with a pending «teacher» membership in force. The memberships
    are reached through the institution's units (never scanned region-wide)."""
    today = institution.local_today()
    pending = Membership.objects.active(today).filter(
        unit__institution=institution, role=Role.TEACHER, verification=Verification.PENDING
    )
    return Person.objects.filter(
        on_roster(today), institution=institution, pk__in=pending.values("person_id")
    )


def verification_queue(institution: Institution) -> QuerySet[Person]:
    """The teachers waiting for their «учитель» status, the longest waiting first, each with
    what the decider checks in Sferum: their teacher memberships in force (`queue_memberships`:
    the staff room, departments, classes, with the date each began and was joined), the day
    they began waiting (`waiting_since`) and when they first joined Sferum by the portal's link
    (`first_joined_at`, None if not yet). Two queries per page."""
    today = institution.local_today()
    teaching = Membership.objects.active(today).filter(person=OuterRef("pk"), role=Role.TEACHER)
    unit_order = Case(
        When(unit__kind=UnitKind.STAFF_ROOM, then=Value(0)),
        When(unit__kind=UnitKind.DEPARTMENT, then=Value(1)),
        default=Value(2),
    )
    return (
        teachers_awaiting_verification(institution)
        .annotate(
            waiting_since=Subquery(
                teaching.filter(verification=Verification.PENDING)
                .order_by("start_date")
                .values("start_date")[:1]
            ),
            first_joined_at=Subquery(
                teaching.filter(joined_at__isnull=False)
                .order_by("joined_at")
                .values("joined_at")[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.active(today)
                .filter(role=Role.TEACHER)
                .select_related("unit", "unit__parent")
                .order_by(unit_order, "unit__name"),
                to_attr="queue_memberships",
            )
        )
        .order_by("waiting_since", "last_name", "first_name", "pk")
    )


def usernames_of(institution: Institution) -> set[str]:
    """The logins of the institution's people (whose login locks its administrator sees)."""
    return set(
        Person.objects.filter(institution=institution, user__isnull=False).values_list(
            "user__username", flat=True
        )
    )


def staff_room_candidates(institution: Institution) -> QuerySet[Person]:
    """Staff members of the staff room who are not administrators yet."""
    in_staff_room = Membership.objects.active(institution.local_today()).filter(
        unit__kind=UnitKind.STAFF_ROOM
    )
    return (
        Person.objects.filter(
            on_roster(institution.local_today()),
            institution=institution,
            kind=PersonKind.STAFF,
            memberships__in=in_staff_room,
        )
        .exclude(pk__in=AdminAppointment.objects.filter(end_date__isnull=True).values("person_id"))
        .distinct()
    )


class SubqueryCount(Subquery):
    """The number of rows of a queryset, as an expression of another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


# The compiled counts queries of this process: (shape, institution, day) -> (names, SQL, params).
# Their SQL and parameters depend on nothing else, so a shape's query is built and compiled by
# the ORM once a day per institution, not on every request (that was a third of a dashboard).
_compiled_counts: dict[tuple, tuple[list[str], str, tuple]] = {}
COMPILED_COUNTS_KEPT = 2048


def counts_of(
    institution: Institution,
    querysets: dict[str, QuerySet] | Callable[[], dict[str, QuerySet]],
    *,
    shape: str = "",
) -> dict[str, int]:
    """Several counts in one query, each of a queryset of the institution's rows (one that
    filters by the institution, or by its units, so that an index starting with the
    institution finds them). `querysets` may be a function that builds them: with a `shape`
    (a name for what it builds, whose querysets depend only on the institution and its local
    day), it is called and the query compiled once a day per institution."""
    key = (shape, institution.pk, institution.local_today()) if shape else None
    compiled = _compiled_counts.get(key) if key else None
    if compiled is None:
        built = querysets() if callable(querysets) else querysets
        # Named apart from the model's fields and relations (`join_requests`, ...).
        counted = {
            f"counted_{name}": SubqueryCount((qs if qs._fields else qs.values("pk")).order_by())
            for name, qs in built.items()
        }
        query = (
            Institution.objects.filter(pk=institution.pk)
            .order_by()
            .annotate(**counted)
            .values_list(*counted)
        )
        sql, params = query.query.sql_with_params()
        compiled = (list(built), sql, tuple(params))
        if key:
            if len(_compiled_counts) >= COMPILED_COUNTS_KEPT:
                _compiled_counts.clear()  # yesterday's and other institutions' go
            _compiled_counts[key] = compiled
    names, sql, params = compiled
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def dashboard_counts(
    institution: Institution,
    extra: Callable[[], dict[str, QuerySet]] | None = None,
    *,
    shape: str = "",
) -> dict:
    """The administrator's overview in one query: the counts of the institution's roster,
    units, memberships, open to-do items and admins, and of the querysets `extra()` builds
    (other apps' queues) by the same names. With a `shape` naming what `extra` builds, the
    query is compiled once a day per institution (see `counts_of`)."""

    def querysets() -> dict[str, QuerySet]:
        today = institution.local_today()
        people = Person.objects.filter(on_roster(today), institution=institution)
        units = Unit.objects.filter(institution=institution, archived_at__isnull=True)
        memberships = Membership.objects.active(today).filter(unit__institution=institution)
        return {
            "staff": people.filter(kind=PersonKind.STAFF),
            "students": people.filter(kind=PersonKind.STUDENT),
            "parents": people.filter(kind=PersonKind.PARENT),
            "departments": units.filter(kind=UnitKind.DEPARTMENT),
            "classes": units.filter(kind=UnitKind.CLASS),
            "memberships": memberships,
            "joined": memberships.filter(joined_at__isnull=False),
            "open_todos": TodoItem.objects.filter(institution=institution, done_at__isnull=True),
            "admins": AdminAppointment.objects.filter(
                institution=institution, end_date__isnull=True
            ),
            **(extra() if extra else {}),
        }

    counts = counts_of(institution, querysets, shape=f"dashboard:{shape}" if shape else "")
    total = counts["memberships"]
    counts["joined_share"] = round(100 * counts["joined"] / total) if total else 0
    return counts


def my_memberships(user, institution: Institution) -> QuerySet[Membership]:
    return (
        Membership.objects.active(institution.local_today())
        .filter(person__user=user, unit__institution=institution)
        .select_related("unit", "person")
        .order_by("unit__kind", "unit__name")
    )


# --- one person, one roster row (DESIGN §5) ---------------------------------------------------


def name_key(*parts: str) -> str:
    """A name as matching compares it: lower case, «ё» as «е», single spaces."""
    return " ".join(normalize_search(" ".join(parts)).split())


def same_name(a: Person, last_name: str, first_name: str, patronymic: str = "") -> bool:
    """Does `a` bear this name? Last and first name equal (see `name_key`); the patronymics
    equal, or one of them not given."""
    if name_key(a.last_name, a.first_name) != name_key(last_name, first_name):
        return False
    mine, theirs = name_key(a.patronymic), name_key(patronymic)
    return not mine or not theirs or mine == theirs


def namesakes(people, last_name: str, first_name: str, patronymic: str = "") -> list[Person]:
    """The people of `people` (a queryset or list) who bear this name."""
    return [p for p in people if same_name(p, last_name, first_name, patronymic)]


@dataclass(frozen=True)
class DuplicatePair:
    """Two roster rows that are probably one person: same kind and name (`same_name`)."""

    first: int
    second: int
    # They are members of one unit too: the likelier duplicate.
    same_unit: bool


def duplicate_pairs(institution: Institution) -> list[DuplicatePair]:
    """Likely duplicates of the institution: pairs of people of one kind who bear one name,
    those sharing a unit first, then by name. Computed over the names (ё = е, case, spaces),
    which the database cannot compare."""
    rows = Person.objects.filter(institution=institution).values_list(
        "pk", "kind", "last_name", "first_name", "patronymic"
    )
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for pk, kind, last, first, patronymic in rows:
        groups.setdefault((kind, name_key(last, first)), []).append((pk, name_key(patronymic)))
    pairs = []
    for key, members in groups.items():
        members.sort()
        for i, (a, patronymic_a) in enumerate(members):
            for b, patronymic_b in members[i + 1 :]:
                if not patronymic_a or not patronymic_b or patronymic_a == patronymic_b:
                    pairs.append((key, a, b))
    if not pairs:
        return []
    involved = {pk for _key, a, b in pairs for pk in (a, b)}
    units: dict[int, set[int]] = {}
    for person_id, unit_id in (
        Membership.objects.active(institution.local_today())
        .filter(person_id__in=involved)
        .values_list("person_id", "unit_id")
    ):
        units.setdefault(person_id, set()).add(unit_id)
    found = [
        (key, DuplicatePair(a, b, bool(units.get(a, set()) & units.get(b, set()))))
        for key, a, b in pairs
    ]
    found.sort(key=lambda item: (not item[1].same_unit, item[0][1], item[1].first, item[1].second))
    return [pair for _key, pair in found]


def people_for_comparison(institution: Institution, pks) -> dict[int, Person]:
    """People by pk with their units in force and their login, for side-by-side pages."""
    return {p.pk: p for p in people_of(institution).filter(pk__in=list(pks))}
