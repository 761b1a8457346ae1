"""Benchmark: the compliance board of a large institution against that of a small one.

    .venv/bin/python bench/compliance.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/compliance.py

Works in a fresh database on the server DATABASE_URL names (SQLite: a temporary file). The large
institution has 300 classes, 150 verified teachers (each in the staff room, in two classes and
in one of 20 departments) and 1,000 chats of every kind on both messengers, some archived, some
waiting for a new owner, with gaps left in the required ones; the small one has 3 classes, a
department, 4 teachers and a handful of chats. The rows are written with bulk_create and every
chat is checked with full_clean, so the data is what the services would have produced.

For each institution an administrator GETs `/chats/<id>/board/` through django.test.Client: one
warm-up request, then the median of 5, counting the SQL queries of each request (and, for the
diagnosis, the median time of `chats.selectors.compliance` alone). Output is
`name=value` lines; the headline `time_ratio=` (large_ms / small_ms) is the last line. Target:
the same number of queries for both, and a time ratio under 3. Unless DEBUG is set, it runs with
DEBUG=0 as in production.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_benchmark  # noqa: E402

LARGE = {"classes": 300, "teachers": 150, "departments": 20, "chats": 1_000}
SMALL = {"classes": 3, "teachers": 4, "departments": 1, "chats": 8}
RUNS = 5
TARGET_RATIO = 3.0
START = dt.date(2025, 9, 1)

SURNAMES = [
    "Иванова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Петров", "Соколова", "Михайлов",
    "Новикова", "Фёдоров", "Морозова", "Волков", "Алексеева", "Лебедев", "Семёнова", "Егоров",
]  # fmt: skip
FIRST_NAMES = ["Анна", "Сергей", "Мария", "Дмитрий", "Елена", "Андрей", "Ольга", "Илья"]
PATRONYMICS = ["Петровна", "Игоревич", "Сергеевна", "Андреевич"]


def main() -> None:
    run_benchmark(run)


def build(name: str, size: dict[str, int]):
    """An institution of the given size; returns (institution, the admin's login)."""
    from django.utils import timezone

    from chats.models import Chat, ChatKind, Platform
    from roles import services as roles_services
    from roles.models import (
        Membership,
        Person,
        PersonKind,
        Role,
        Unit,
        UnitKind,
        User,
        Verification,
    )

    institution = roles_services.create_institution(name=name, short_name=name)
    staff_room = roles_services.staff_room(institution)
    year = roles_services.current_academic_year(institution.local_today())

    # The director and the administrator, through the services (a handful of rows).
    def staff_member(username: str, last_name: str, role: str) -> Person:
        user = User.objects.create_user(username=f"{username}-{institution.pk}")
        person = roles_services.create_person(
            institution=institution,
            kind=PersonKind.STAFF,
            last_name=last_name,
            first_name="Ирина",
            external_id=f"{username}-{institution.pk}",
            user=user,
        )
        roles_services.enrol(person=person, unit=staff_room, role=role, effective_date=START)
        return person

    director = staff_member("director", "Директорова", Role.DIRECTOR)
    admin = staff_member("admin", "Админова", Role.TEACHER)
    roles_services.decide_teacher_verification(person=admin, by=None, approve=True)
    roles_services.appoint_admin(
        institution=institution,
        person=admin,
        order_number="1-од",
        order_date=START,
        by=director.user,
        start_date=START,
    )

    # Units, teachers and their memberships in bulk.
    classes = Unit.objects.bulk_create(
        Unit(
            institution=institution,
            kind=UnitKind.CLASS,
            name=f"{n // 12 + 1}{'АБВГДЕЖЗИКЛМ'[n % 12]}",
            academic_year=year,
        )
        for n in range(size["classes"])
    )
    departments = Unit.objects.bulk_create(
        Unit(institution=institution, kind=UnitKind.DEPARTMENT, name=f"Отдел № {n + 1}")
        for n in range(size["departments"])
    )
    teachers = []
    for n in range(size["teachers"]):
        person = Person(
            institution=institution,
            kind=PersonKind.STAFF,
            last_name=SURNAMES[n % len(SURNAMES)],
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            patronymic=PATRONYMICS[n % len(PATRONYMICS)],
            external_id=f"T{n:04d}",
            email=f"teacher{n}@example.org",
        )
        person.update_search_key()
        teachers.append(person)
    teachers = Person.objects.bulk_create(teachers)
    now = timezone.now()
    memberships = []
    teacher_of: dict[int, Person] = {}
    for n, person in enumerate(teachers):
        # Each teacher: the staff room, two classes (the classes go round), one department.
        own_classes = {classes[(2 * n) % len(classes)], classes[(2 * n + 1) % len(classes)]}
        units = [staff_room, *own_classes, departments[n % len(departments)]]
        for unit in units:
            memberships.append(
                Membership(
                    person=person,
                    unit=unit,
                    role=Role.TEACHER,
                    start_date=START,
                    verification=Verification.VERIFIED,
                    verified_at=now,
                )
            )
        for unit in own_classes:
            teacher_of.setdefault(unit.pk, person)
    Membership.objects.bulk_create(memberships)

    # Chats: most required ones present, some gaps; then "other" chats up to the total.
    chats: list[Chat] = []

    def chat(kind, unit=None, owner=None):
        n = len(chats)
        platform = Platform.MAX if n % 5 < 3 else Platform.VK
        link = (
            f"https://max.ru/join/bench{institution.pk}x{n:05d}"
            if platform == Platform.MAX
            else f"https://vk.me/join/bench{institution.pk}x{n:05d}"
        )
        chats.append(
            Chat(
                institution=institution,
                kind=kind,
                unit=unit,
                owner=None if n % 97 == 13 else owner,  # a few wait for a new owner
                title=f"Чат {n + 1}" + (f" — {unit}" if unit else ""),
                platform=platform,
                link=link,
                member_count=10 + n % 25,
                member_count_at=now,
                moved_to_max_on=institution.local_today() if platform == Platform.MAX else None,
                archived_at=now if n % 53 == 7 else None,  # a few archived
                created_at=now,
                created_by=admin.user,
            )
        )

    chat(ChatKind.DIRECTOR_DEPUTIES, owner=director)
    chat(ChatKind.DIRECTOR_TEACHERS, owner=director)
    chat(ChatKind.STAFF_ROOM, owner=admin)
    for n, unit in enumerate(classes):
        if len(chats) >= size["chats"]:
            break
        if n % 10 != 9:
            chat(ChatKind.CLASS_STUDENTS, unit, teacher_of.get(unit.pk))
        if n % 7 != 3 and len(chats) < size["chats"]:
            chat(ChatKind.CLASS_PARENTS, unit, teacher_of.get(unit.pk))
    for n, unit in enumerate(departments):
        if n % 6 != 5 and len(chats) < size["chats"]:
            chat(ChatKind.DEPARTMENT_TEACHERS, unit, teachers[n % len(teachers)])
    n = 0
    while len(chats) < size["chats"]:
        unit = classes[n % len(classes)] if n % 3 else None
        chat(ChatKind.OTHER, unit, teachers[n % len(teachers)])
        n += 1
    for item in chats:
        item.full_clean()
    Chat.objects.bulk_create(chats)
    return institution, admin.user


def normalise(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)


def measure(institution, user) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    url = reverse("chats:board", args=[institution.pk])
    response = client.get(url, secure=True)  # warm-up
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    times, counts, last = [], [], None
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        counts.append(len(captured))
        last = [q["sql"] for q in captured.captured_queries]
    return {
        "ms": statistics.median(times),
        "queries": max(counts),
        "query_counts": counts,
        "sql": last,
        "bytes": len(response.content),
    }


def run(description: str) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from chats import selectors

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no STATIC_ROOT
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    large, large_admin = build("Большое учреждение", LARGE)
    small, small_admin = build("Малое учреждение", SMALL)
    generate_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large_board, small_board = selectors.compliance(large), selectors.compliance(small)
    # The selector alone (no request, no template), for the diagnosis of the page's time.
    selector_ms = {}
    for name, institution in (("large", large), ("small", small)):
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            selectors.compliance(institution)
            times.append((time.perf_counter() - started) * 1000)
        selector_ms[name] = statistics.median(times)

    # Production serves static files from a collected manifest; the bench has none.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
        small_result = measure(small, small_admin)
        large_result = measure(large, large_admin)

    ratio = large_result["ms"] / small_result["ms"]
    same_queries = large_result["queries"] == small_result["queries"]
    print(f"database={connection.vendor}")
    print(f"database_detail={description}")
    print(f"generate_seconds={generate_seconds:.2f}")
    print(f"large_classes={LARGE['classes']}")
    print(f"large_requirements={large_board.total}")
    print(f"large_requirements_met={large_board.met}")
    print(f"large_percent={large_board.percent}")
    print(f"large_needs_owner={len(large_board.needs_owner)}")
    print(f"large_page_kb={large_result['bytes'] / 1024:.0f}")
    print(f"small_classes={SMALL['classes']}")
    print(f"small_requirements={small_board.total}")
    print(f"small_page_kb={small_result['bytes'] / 1024:.0f}")
    print(f"large_selector_ms={selector_ms['large']:.1f}")
    print(f"small_selector_ms={selector_ms['small']:.1f}")
    print(f"large_queries={large_result['queries']}")
    print(f"large_ms={large_result['ms']:.1f}")
    print(f"small_queries={small_result['queries']}")
    print(f"small_ms={small_result['ms']:.1f}")
    if not same_queries:
        grown = Counter(map(normalise, large_result["sql"])) - Counter(
            map(normalise, small_result["sql"])
        )
        for sql, count in grown.most_common():
            print(f"extra_query={count}x {sql[:300]}")
    print(f"target_met={'yes' if same_queries and ratio < TARGET_RATIO else 'no'}")
    print(f"time_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
