"""Benchmark: one full day's statistics rollup over a synthetic region of 200 institutions.

    .venv/bin/python bench/rollup.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/rollup.py

Works in a fresh database on the server DATABASE_URL names (SQLite: a temporary file). Each
institution has 1,000 people: 60 staff (a director, two deputies, 57 teachers in the staff
room, two classes and a department each, most of them verified), 540 students in 22 classes and
400 parents (some with children in two classes), most of them joined at some point of the last
two months; 150 invitation links (personal and class-wide, used, expired, annulled), their uses,
20 join requests, class chats for most classes (some archived), institution chats and ten
movements. Everything is written with bulk_create; the ids and timestamps are fixed by a seeded
generator, so two runs build the same region.

First 20 institutions are built and their rollup's queries counted (on the day before); then
the other 180, and `stats.services.rollup(day=...)` runs over all 200 (timed, and its queries
counted), then once more (the rerun: the same rows, upserted). Output is `name=value` lines; the
headline `rollup_seconds=` is the last line. Targets on PostgreSQL: under 30 s, and the same
number of queries for 20 as for 200 institutions. Unless DEBUG is set, it runs with DEBUG=0 as
in production.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import sys
import time
import zoneinfo
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_benchmark  # noqa: E402

INSTITUTIONS = 200
FIRST = 20  # built first: the query count of a smaller region
ZONE = "Europe/Moscow"  # one region, one zone
SIZE = {"classes": 22, "staff": 60, "students": 540, "parents": 400, "invitations": 150}
TARGET_SECONDS = 30.0
START = dt.date(2025, 9, 1)
LONG_AGO = dt.datetime(2025, 8, 20, 9, 0, tzinfo=dt.UTC)
BATCH = 5_000

SURNAMES = [
    "Иванова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Петров", "Соколова", "Михайлов",
    "Новикова", "Фёдоров", "Морозова", "Волков", "Алексеева", "Лебедев", "Семёнова", "Егоров",
]  # fmt: skip
FIRST_NAMES = ["Анна", "Сергей", "Мария", "Дмитрий", "Елена", "Андрей", "Ольга", "Илья"]
LETTERS = "АБВГДЕЖЗИК"


def main() -> None:
    run_benchmark(run)


def generate(
    count: int,
    *,
    day: dt.date,
    prefix: str,
    size: dict[str, int] = SIZE,
    zone: str = ZONE,
) -> tuple[list, Counter]:
    """`count` institutions of `size` whose facts are spread around `day`; returns them and the
    number of rows written per table."""
    from chats.models import Chat, ChatKind, Platform
    from invitations.models import (
        Invitation,
        InvitationUse,
        JoinRequest,
        JoinRequestStatus,
        RevokeReason,
    )
    from roles.models import (
        Institution,
        Membership,
        Movement,
        MovementKind,
        Person,
        PersonKind,
        Role,
        Unit,
        UnitKind,
        Verification,
    )

    rng = random.Random(f"{prefix}-{count}-{day}")
    tz = zoneinfo.ZoneInfo(zone)
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    written: Counter = Counter()

    def moment(days_before: float, spread_hours: float = 24.0) -> dt.datetime:
        """A moment `days_before` the day's start, plus up to `spread_hours`."""
        return (
            day_start
            - dt.timedelta(days=days_before)
            + dt.timedelta(seconds=rng.uniform(0, spread_hours * 3600))
        )

    def save(model, objects: list) -> list:
        created = model.objects.bulk_create(objects, batch_size=BATCH)
        written[model._meta.label] += len(created)
        return created

    institutions = save(
        Institution,
        [
            Institution(
                name=f"{prefix}: школа № {n + 1}", short_name=f"{prefix}{n + 1}", timezone=zone
            )
            for n in range(count)
        ],
    )
    year = "2025/2026"
    units: list = []
    for inst in institutions:
        units.append(Unit(institution=inst, kind=UnitKind.STAFF_ROOM, name="Учительская"))
        units += [
            Unit(institution=inst, kind=UnitKind.DEPARTMENT, name=f"Кафедра {n + 1}")
            for n in range(2)
        ]
        units += [
            Unit(
                institution=inst,
                kind=UnitKind.CLASS,
                name=f"{n // 2 + 1}{LETTERS[n % 2]}",
                academic_year=year,
            )
            for n in range(size["classes"])
        ]
    units = save(Unit, units)
    Unit.objects.filter(institution__in=institutions).update(created_at=LONG_AGO)  # auto_now_add
    by_inst: dict[int, dict[str, list]] = {
        inst.pk: {"staff_room": [], "department": [], "class": []} for inst in institutions
    }
    for unit in units:
        by_inst[unit.institution_id][unit.kind].append(unit)

    # People: staff, students, parents.
    people: list = []
    for inst in institutions:
        for kind, n in (
            (PersonKind.STAFF, size["staff"]),
            (PersonKind.STUDENT, size["students"]),
            (PersonKind.PARENT, size["parents"]),
        ):
            for i in range(n):
                person = Person(
                    institution=inst,
                    kind=kind,
                    last_name=SURNAMES[(i + len(people)) % len(SURNAMES)],
                    first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                    external_id=f"{kind[:3]}{i:05d}",
                )
                person.update_search_key()
                people.append(person)
    people = save(Person, people)
    staff: dict[int, list] = {inst.pk: [] for inst in institutions}
    students: dict[int, list] = {inst.pk: [] for inst in institutions}
    parents: dict[int, list] = {inst.pk: [] for inst in institutions}
    for person in people:
        {PersonKind.STAFF: staff, PersonKind.STUDENT: students, PersonKind.PARENT: parents}[
            person.kind
        ][person.institution_id].append(person)

    def joined_at(share: float) -> dt.datetime | None:
        """Joined with probability `share`: mostly during the last 60 days, a few on the day
        itself and a few after it."""
        if rng.random() >= share:
            return None
        if rng.random() < 0.04:
            return moment(0)  # on the day
        if rng.random() < 0.03:
            return moment(-1)  # the day after
        return moment(rng.uniform(1, 60))

    memberships: list = []
    chats: list = []
    for inst in institutions:
        units_of = by_inst[inst.pk]
        staff_room, departments, classes = (
            units_of["staff_room"][0],
            units_of["department"],
            units_of["class"],
        )
        team = staff[inst.pk]
        for i, person in enumerate(team):
            if i == 0:
                roles = [(staff_room, Role.DIRECTOR)]
            elif i < 3:
                roles = [(staff_room, Role.DEPUTY)]
            else:
                t = i - 3
                own = {classes[t % len(classes)], classes[(7 * t + 3) % len(classes)]}
                roles = [
                    (staff_room, Role.TEACHER),
                    (departments[t % len(departments)], Role.TEACHER),
                ]
                roles += [(unit, Role.TEACHER) for unit in own]
            verified = rng.random() < 0.85
            joined = joined_at(0.8)
            for unit, role in roles:
                teacher = role == Role.TEACHER
                memberships.append(
                    Membership(
                        person=person,
                        unit=unit,
                        role=role,
                        start_date=START,
                        joined_at=joined,
                        verification=(
                            (Verification.VERIFIED if verified else Verification.PENDING)
                            if teacher
                            else Verification.NOT_REQUIRED
                        ),
                        verified_at=LONG_AGO if teacher and verified else None,
                    )
                )
        for j, person in enumerate(students[inst.pk]):
            left = rng.random() < 0.01
            memberships.append(
                Membership(
                    person=person,
                    unit=classes[j % len(classes)],
                    role=Role.STUDENT,
                    start_date=START,
                    end_date=day - dt.timedelta(days=rng.randint(1, 30)) if left else None,
                    joined_at=joined_at(0.7),
                )
            )
        for k, person in enumerate(parents[inst.pk]):
            own = [classes[k % len(classes)]]
            if k % 8 == 0:
                own.append(classes[(k + 1) % len(classes)])
            for unit in own:
                memberships.append(
                    Membership(
                        person=person,
                        unit=unit,
                        role=Role.PARENT,
                        start_date=START,
                        joined_at=joined_at(0.5),
                    )
                )

        # Chats: the institution's own, most class chats (a few archived), departments.
        def chat(kind, unit=None, *, inst=inst, director=team[0]):
            n = len(chats)
            archived = moment(rng.uniform(1, 20)) if rng.random() < 0.03 else None
            chats.append(
                Chat(
                    institution=inst,
                    kind=kind,
                    unit=unit,
                    owner=director if unit is None else None,
                    title=f"Чат {n}",
                    platform=Platform.MAX if n % 3 else Platform.VK,
                    link=(
                        f"https://max.ru/join/b{inst.pk}x{n:06d}"
                        if n % 3
                        else f"https://vk.me/join/b{inst.pk}x{n:06d}"
                    ),
                    moved_to_max_on=day if n % 3 else None,
                    archived_at=archived,
                    created_at=moment(rng.uniform(0, 90)),
                )
            )

        for kind in (ChatKind.DIRECTOR_DEPUTIES, ChatKind.DIRECTOR_TEACHERS, ChatKind.STAFF_ROOM):
            chat(kind)
        for unit in classes:
            if rng.random() < 0.9:
                chat(ChatKind.CLASS_STUDENTS, unit)
            if rng.random() < 0.8:
                chat(ChatKind.CLASS_PARENTS, unit)
        for unit in departments:
            chat(ChatKind.DEPARTMENT_TEACHERS, unit)
    save(Membership, memberships)
    save(Chat, chats)

    # Invitations: personal and class-wide, issued over 30 days; used, expired or annulled.
    invitations: list = []
    for inst in institutions:
        classes = by_inst[inst.pk]["class"]
        for n in range(size["invitations"]):
            personal = n % 3 != 0
            unit = classes[n % len(classes)]
            role = Role.STUDENT if n % 2 else Role.PARENT
            pool = students[inst.pk] if role == Role.STUDENT else parents[inst.pk]
            created = moment(rng.uniform(-1, 30))
            expires = created + dt.timedelta(days=7)
            used = rng.random() < 0.6
            revoked = None
            if not used and rng.random() < 0.3:
                revoked = created + dt.timedelta(days=14)
            invitations.append(
                Invitation(
                    institution=inst,
                    unit=unit,
                    role=role,
                    person=pool[n % len(pool)] if personal else None,
                    token_hash=hashlib.sha256(f"{prefix}-{inst.pk}-{n}".encode()).hexdigest(),
                    max_uses=1 if personal else None,
                    uses_count=(1 if used else 0)
                    if personal
                    else (rng.randint(0, 5) if used else 0),
                    needs_approval=not personal,
                    created_at=created,
                    expires_at=expires,
                    revoked_at=revoked,
                    revoke_reason=RevokeReason.UNCLAIMED if revoked else "",
                )
            )
    invitations = save(Invitation, invitations)
    uses, requests = [], []
    requests_of: Counter = Counter()
    for item in invitations:
        for _ in range(item.uses_count):
            uses.append(
                InvitationUse(
                    invitation=item,
                    used_at=item.created_at + dt.timedelta(seconds=rng.uniform(60, 6 * 24 * 3600)),
                )
            )
        if item.person_id is None and requests_of[item.institution_id] < 20:
            requests_of[item.institution_id] += 1
            created = moment(rng.uniform(-0.5, 10))
            decided = (
                created + dt.timedelta(hours=rng.uniform(1, 72)) if rng.random() < 0.5 else None
            )
            requests.append(
                JoinRequest(
                    institution_id=item.institution_id,
                    invitation=item,
                    unit_id=item.unit_id,
                    role=item.role,
                    last_name="Заявкина",
                    first_name="Анна",
                    created_at=created,
                    status=JoinRequestStatus.APPROVED if decided else JoinRequestStatus.PENDING,
                    decided_at=decided,
                )
            )
    save(InvitationUse, uses)
    save(JoinRequest, requests)

    movements = []
    for inst in institutions:
        classes = by_inst[inst.pk]["class"]
        for n in range(10):
            movements.append(
                Movement(
                    institution=inst,
                    person=students[inst.pk][(n * 7) % len(students[inst.pk])],
                    kind=MovementKind.TRANSFER,
                    from_unit=classes[n % len(classes)],
                    to_unit=classes[(n + 1) % len(classes)],
                    role=Role.STUDENT,
                    effective_date=day - dt.timedelta(days=rng.randint(0, 20)),
                )
            )
    save(Movement, movements)
    return institutions, written


def normalise(sql: str) -> str:
    """A statement without its values: an INSERT of 40 rows and one of 3 rows look the same
    (PostgreSQL's bulk inserts pass their values as UNNEST(ARRAY[...]))."""
    sql = re.sub(r"VALUES .*?( ON CONFLICT|$)", r"VALUES …\1", sql, flags=re.S)
    sql = re.sub(r"ARRAY\[[^\]]*\]|'\{[^']*\}'", "ARRAY[…]", sql)  # '{NULL,...}' too
    sql = re.sub(r"'[^']*'|\bNULL\b|\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?|%s)(?:, (?:\?|%s))*\)", "(…)", sql)


def kind_of(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper()


def timed_rollup(day: dt.date) -> tuple[float, int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stats import services

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        services.rollup(day=day)
        seconds = time.perf_counter() - started
    return seconds, len(captured), [q["sql"] for q in captured.captured_queries]


def run(description: str) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from roles.models import Membership, Role
    from stats.models import UnitSnapshot, UsageSnapshot

    call_command("migrate", verbosity=0)
    day = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(ZONE)) - dt.timedelta(days=1)

    started = time.perf_counter()
    first, written = generate(FIRST, day=day, prefix="Район")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _s, queries_first, sql_first = timed_rollup(day - dt.timedelta(days=1))
    rest, more = generate(INSTITUTIONS - FIRST, day=day, prefix="Округ")
    written.update(more)
    generate_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    rollup_seconds, queries, sql = timed_rollup(day)
    rows_after_first = (
        UsageSnapshot.objects.filter(day=day).count(),
        UnitSnapshot.objects.filter(day=day).count(),
    )
    rerun_seconds, rerun_queries, _sql = timed_rollup(day)
    rows_after_rerun = (
        UsageSnapshot.objects.filter(day=day).count(),
        UnitSnapshot.objects.filter(day=day).count(),
    )

    # A cross-check of the figures: the students in force on the day, counted directly.
    in_force = Membership.objects.active(day).filter(role=Role.STUDENT)
    students_direct = in_force.values("person").distinct().count()
    students_rolled = sum(
        UsageSnapshot.objects.filter(day=day).values_list("students_total", flat=True)
    )

    same_queries = queries == queries_first
    met = rollup_seconds < TARGET_SECONDS and same_queries and rows_after_first == rows_after_rerun
    print(f"database={connection.vendor}")
    print(f"database_detail={description}")
    print(f"institutions={len(first) + len(rest)}")
    print(f"people={written['roles.Person']}")
    print(f"memberships={written['roles.Membership']}")
    print(f"classes={INSTITUTIONS * SIZE['classes']}")
    print(f"invitations={written['invitations.Invitation']}")
    print(f"invitation_uses={written['invitations.InvitationUse']}")
    print(f"join_requests={written['invitations.JoinRequest']}")
    print(f"chats={written['chats.Chat']}")
    print(f"movements={written['roles.Movement']}")
    print(f"generate_seconds={generate_seconds:.2f}")
    print(f"snapshots={rows_after_first[0]}")
    print(f"class_snapshots={rows_after_first[1]}")
    print(f"rerun_same_rows={'yes' if rows_after_first == rows_after_rerun else 'no'}")
    print(f"students_in_force={students_direct}")
    print(f"students_rolled_up={students_rolled}")
    print(f"rerun_seconds={rerun_seconds:.2f}")
    print(f"rerun_queries={rerun_queries}")
    for name, statements in (("rollup", sql), (f"rollup_{FIRST}", sql_first)):
        kinds = Counter(kind_of(s) for s in statements)
        print(f"{name}_queries_by_kind=" + ",".join(f"{k}:{n}" for k, n in sorted(kinds.items())))
    if not same_queries:
        grown = Counter(map(normalise, sql)) - Counter(map(normalise, sql_first))
        for statement, n in grown.most_common():
            print(f"extra_query={n}x {statement[:160]}")
    print(f"rollup_queries={queries}")
    print(f"rollup_queries_{FIRST}_institutions={queries_first}")
    print(f"target_met={'yes' if met else 'no'}")
    print(f"rollup_seconds={rollup_seconds:.2f}")


if __name__ == "__main__":
    main()
