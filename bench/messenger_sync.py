"""Benchmark: a sync of 300 MAX chats × 30 members against the fake MAX Bot API server.

    .venv/bin/python bench/messenger_sync.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/messenger_sync.py

Works in a fresh database on the server DATABASE_URL names (SQLite: a temporary file). One
institution with 300 classes (a verified teacher for every two, 28 students each) and 300
registered MAX chats of the classes' students; the fake server (tests/fakes/max_api.py, a real
HTTP server on 127.0.0.1 following the official schema) lists the 300 chats and 30 members in
each (the teacher, 27 of the class's students, 2 strangers, besides the bot itself), so each
chat has a student missing too. `chats.services.sync_institution` runs once from nothing (every
row written), then again with nothing changed (the idempotent rerun), then after 300 members
joined and 300 left.

Prints `name=value` lines: the requests made to MAX, the SQL queries, the peak Python memory
(tracemalloc) and the time of each run; the headline `sync_seconds=` (the first full sync) is
the last line. Unless DEBUG is set, it runs with DEBUG=0 as in production.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, run_benchmark  # noqa: E402

CHATS = int(os.environ.get("BENCH_CHATS", 300))
STUDENTS = 28
IN_CHAT = 27  # of the class's students; with the teacher and 2 strangers: 30 members
START = dt.date(2025, 9, 1)
LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Попов",
    "Васильев",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
]
FIRST = [
    "Александр",
    "Максим",
    "Иван",
    "Артём",
    "Михаил",
    "Даниил",
    "Егор",
    "Матвей",
    "Анна",
    "Мария",
    "София",
    "Алиса",
]
PATRONYMICS = ["Сергеевич", "Андреевич", "Алексеевич", "Дмитриевич", "Игоревич", "Олегович"]
LETTERS = "абвгдежзик"


def unique_suffix(serial: int) -> str:
    """Letters only (a name's words are letters): 1234 -> «бвгд»."""
    return "".join(LETTERS[int(d)] for d in str(serial))


def main() -> None:
    run_benchmark(run)


def build(fake):
    """The institution, its roster and registered chats (in bulk), and the fake MAX world."""
    from django.utils import timezone

    from chats.models import Chat, ChatKind, Platform
    from chats.services import set_bot_token
    from roles import services as roles_services
    from roles.models import Membership, Person, PersonKind, Role, Unit, UnitKind, Verification

    institution = roles_services.create_institution(name="Бенчмарк MAX", short_name="MAX")
    staff_room = roles_services.staff_room(institution)
    year = roles_services.current_academic_year(institution.local_today())
    classes = Unit.objects.bulk_create(
        Unit(institution=institution, kind=UnitKind.CLASS, name=f"Класс {n + 1}",
             academic_year=year)
        for n in range(CHATS)
    )  # fmt: skip
    people, memberships, now = [], [], timezone.now()
    serial = 0

    def new_person(kind, n):
        nonlocal serial
        serial += 1
        person = Person(
            institution=institution,
            kind=kind,
            # Unique: no name is ambiguous.
            last_name=f"{LAST[n % len(LAST)]}-{unique_suffix(serial)}",
            first_name=FIRST[(n // len(LAST)) % len(FIRST)],
            patronymic=PATRONYMICS[n % len(PATRONYMICS)],
            external_id=f"B{serial:06d}",
        )
        person.update_search_key()
        people.append(person)
        return person

    teachers = [new_person(PersonKind.STAFF, n) for n in range(CHATS // 2)]
    students = {unit.pk: [new_person(PersonKind.STUDENT, n) for n in range(STUDENTS)]
                for unit in classes}  # fmt: skip
    Person.objects.bulk_create(people)
    for n, teacher in enumerate(teachers):
        for unit in (staff_room, classes[2 * n], classes[2 * n + 1]):
            memberships.append(
                Membership(person=teacher, unit=unit, role=Role.TEACHER, start_date=START,
                           verification=Verification.VERIFIED, verified_at=now)
            )  # fmt: skip
    for unit in classes:
        memberships += [
            Membership(person=p, unit=unit, role=Role.STUDENT, start_date=START)
            for p in students[unit.pk]
        ]
    Membership.objects.bulk_create(memberships)
    chats = [
        Chat(
            institution=institution,
            kind=ChatKind.CLASS_STUDENTS,
            unit=unit,
            owner=teachers[n // 2],
            title=f"Чат класса {n + 1}",
            platform=Platform.MAX,
            link=f"https://max.ru/join/bench{n:05d}chat",
            moved_to_max_on=institution.local_today(),
            created_at=now,
        )
        for n, unit in enumerate(classes)
    ]
    Chat.objects.bulk_create(chats)

    user_id = 10_000
    for n, unit in enumerate(classes):
        teacher = teachers[n // 2]
        members = [(user_id, teacher.first_name, teacher.last_name)]
        for student in students[unit.pk][:IN_CHAT]:
            user_id += 1
            members.append((user_id, student.first_name, student.last_name))
        for k in range(2):
            user_id += 1
            members.append((user_id, f"Гость{'ая'[k]}", f"Посторонний-{unique_suffix(n)}"))
        user_id += 1
        fake.add_chat(-72_000_000_000_000 - n, f"Чат класса {n + 1}",
                      f"https://max.ru/join/bench{n:05d}chat", members)  # fmt: skip
    set_bot_token(institution=institution, token=fake.token, by=None)
    return institution, classes, students


def timed_sync(institution, fake):
    from django.db import connection

    from chats.services import sync_institution

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    before = len(fake.requests)
    tracemalloc.start()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = sync_institution(institution=institution)
        seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, len(fake.requests) - before, queries, peak


def run(description: str) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from chats.models import ChatMember

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.fakes.max_api import FakeMax

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no STATIC_ROOT
    call_command("migrate", verbosity=0)
    with FakeMax() as fake:
        settings.MAX_API_URL = fake.url
        started = time.perf_counter()
        institution, classes, students = build(fake)
        generate_seconds = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        first, first_s, first_requests, first_queries, first_peak = timed_sync(institution, fake)
        rows_first = ChatMember.objects.count()
        rerun, rerun_s, rerun_requests, rerun_queries, _peak = timed_sync(institution, fake)
        rows_rerun = ChatMember.objects.count()
        # One member leaves and one joins in every chat.
        for n, unit in enumerate(classes):
            chat_id = -72_000_000_000_000 - n
            leaver = fake.members[chat_id][2]["user_id"]
            fake.leave(chat_id, leaver)
            newcomer = students[unit.pk][IN_CHAT]
            fake.join(chat_id, 900_000 + n, newcomer.first_name, newcomer.last_name)
        moved, moved_s, _r, moved_queries, _p = timed_sync(institution, fake)

    if first.state != "ok" or rerun.state != "ok" or moved.state != "ok":
        raise SystemExit(f"sync failed: {first.state} {rerun.state} {moved.state}")
    print(f"database={connection.vendor}")
    print(f"database_detail={description}")
    print(f"generate_seconds={generate_seconds:.2f}")
    print(f"chats={CHATS}")
    print(f"members_per_chat={IN_CHAT + 3}")  # and the bot itself
    for line in first.lines():
        print(line)
    print(f"requests={first_requests}")
    print(f"queries={first_queries}")
    print(f"rows_written={rows_first}")
    print(f"peak_memory_mb={first_peak / 1_048_576:.1f}")
    print(f"rerun_seconds={rerun_s:.2f}")
    print(f"rerun_requests={rerun_requests}")
    print(f"rerun_queries={rerun_queries}")
    print(f"rerun_rows_unchanged={'yes' if rows_rerun == rows_first else 'no'}")
    print(f"join_and_leave_seconds={moved_s:.2f}")
    print(f"join_and_leave_queries={moved_queries}")
    print(f"join_and_leave_people_missing={moved.people_missing}")
    print(f"sync_seconds={first_s:.2f}")


if __name__ == "__main__":
    main()
