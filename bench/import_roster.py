"""Benchmark: import a 10,000-row XLSX roster, as a school system exports it, into an empty
institution, through the web's path.

    .venv/bin/python bench/import_roster.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_roster.py

It never touches an existing database: with SQLite (the default when DATABASE_URL is unset) it
works in a new temporary file; with PostgreSQL it creates `bench_<pid>` on the server that
DATABASE_URL names and drops it at the end. The file has a title row, «ФИО» split into the name's
parts, birth dates (hashed for matching) and columns that are not imported. The import is what
the upload page and its worker do: the upload stores the file (`upload_roster`), the worker
reads it (`read_roster_upload`: the layout and the proposed mapping), the columns are chosen as
proposed (`choose_roster_mapping`), the worker checks the rows (`plan_roster_upload`), the
preview is confirmed (`start_roster_import`) and the worker applies it (`run_roster_import`).
The jobs are called here as the worker calls them (Celery is not eager: nothing runs twice).

The import runs twice, each time into its own empty institution: once timed (the headline
`import_seconds`), once under tracemalloc for `peak_traced_mb` (tracing slows Python down, so
it is not timed). `max_rss_mb` is the whole process's peak. Output is `name=value` lines; the
headline `import_seconds=` is the last line. Unless DEBUG is set, it runs with DEBUG=0 as in
production (with DEBUG on, Django keeps every SQL query in memory).
"""

from __future__ import annotations

import logging
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import configure_database  # noqa: E402

ROWS_STAFF, ROWS_STUDENTS, ROWS_PARENTS = 400, 6_600, 3_000
CLASSES = [f"{grade}{letter}" for grade in range(1, 11) for letter in "АБВГ"]  # 40
DEPARTMENTS = [
    "Художественный отдел",
    "Технический отдел",
    "Спортивный отдел",
    "Естественно-научный отдел",
    "Социально-гуманитарный отдел",
]
TARGET_SECONDS, TARGET_MB = 15.0, 300.0

MALE_SURNAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
]  # fmt: skip
MALE_NAMES = [
    "Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
    "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Арсений", "Иван", "Денис",
    "Евгений", "Даниил", "Тимофей", "Владимир", "Павел", "Николай", "Георгий",
]  # fmt: skip
FEMALE_NAMES = [
    "Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана",
    "Юлия", "Анастасия", "Дарья", "Полина", "Виктория", "Ксения", "Алина", "Софья", "Варвара",
    "Вероника", "Алёна", "Ульяна", "Милана", "Ева", "Кира",
]  # fmt: skip
# Patronymic stems: "Сергеевич" / "Сергеевна".
FATHERS = [
    "Александров", "Дмитриев", "Сергеев", "Андреев", "Алексеев", "Михайлов", "Иванов",
    "Владимиров", "Павлов", "Николаев", "Евгеньев", "Викторов", "Олегов", "Юрьев", "Петров",
]  # fmt: skip


def roster_rows(rng: random.Random) -> list[tuple]:
    """(external_id, last_name, first_name, patronymic, kind, unit, guardian_of) rows."""

    def name(male: bool) -> tuple[str, str, str]:
        surname = rng.choice(MALE_SURNAMES)
        father = rng.choice(FATHERS)
        if male:
            return surname, rng.choice(MALE_NAMES), father + "ич"
        return surname + "а", rng.choice(FEMALE_NAMES), father + "на"

    rows = []
    for i in range(1, ROWS_STAFF + 1):
        if i <= 150:
            unit = DEPARTMENTS[i % len(DEPARTMENTS)]
        elif i <= 150 + len(CLASSES):
            unit = CLASSES[i - 151]  # class teachers
        else:
            unit = ""
        rows.append((f"T-{i:05d}", *name(rng.random() < 0.3), "сотрудник", unit, ""))
    students = []
    for i in range(1, ROWS_STUDENTS + 1):
        external_id = f"S-{i:05d}"
        students.append(external_id)
        unit = CLASSES[(i - 1) % len(CLASSES)]
        rows.append((external_id, *name(rng.random() < 0.5), "обучающийся", unit, ""))
    for i in range(1, ROWS_PARENTS + 1):
        children = [students[2 * (i - 1)]]
        if i % 10 == 0:  # one parent in ten has a second child here
            children.append(students[2 * (i - 1) + 1])
        rows.append((f"P-{i:05d}", *name(rng.random() < 0.2), "родитель", "", "; ".join(children)))
    return rows


HEADER = [
    "№ п/п",
    "Идентификатор",
    "ФИО",
    "Дата рождения",
    "Тип",
    "Класс",
    "Родитель для",
    "Примечание",
]


def write_xlsx(rows: list[tuple], path: Path, rng: random.Random) -> None:
    """The rows as an export: a title row, a blank row, the header, a full name per row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Контингент")
    sheet.append(["Контингент МОУДО «ЦДОД» на 01.12.2026"])
    sheet.append([])
    sheet.append(HEADER)
    for number, (external_id, last, first, patronymic, kind, unit, children) in enumerate(
        rows, start=1
    ):
        born = None
        if kind == "обучающийся":
            born = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2009, 2019)}"
        sheet.append(
            [
                number,
                external_id,
                f"{last} {first} {patronymic}",
                born,
                kind,
                unit or None,
                children or None,
                "—" if number % 7 == 0 else None,
            ]
        )
    workbook.save(path)


def setup_institution(name: str):
    from roles import services
    from roles.models import UnitKind

    institution = services.create_institution(name=name, short_name=name)
    for unit in CLASSES:
        services.create_unit(institution=institution, kind=UnitKind.CLASS, name=unit)
    for unit in DEPARTMENTS:
        services.create_unit(institution=institution, kind=UnitKind.DEPARTMENT, name=unit)
    return institution


def import_file(institution, path: Path) -> tuple[dict, dict[str, float]]:
    """What the upload page and its worker do; returns the summary and the phase times."""
    from roles import services

    started = time.perf_counter()
    upload = services.upload_roster(
        institution=institution, data=path.read_bytes(), filename=path.name, by=None
    )
    stored = time.perf_counter()
    mapped = services.read_roster_upload(import_id=upload.pk)
    if mapped.status != "mapping":
        raise SystemExit(f"The generated roster was not read: {mapped.errors[:3]}")
    read_done = time.perf_counter()
    services.choose_roster_mapping(
        roster_import=mapped, mapping=mapped.mapping, kind="", complete=False, by=None
    )
    previewed = services.plan_roster_upload(import_id=upload.pk)
    if previewed.status != "preview":
        raise SystemExit(f"The generated roster was rejected: {previewed.errors[:3]}")
    plan_done = time.perf_counter()
    services.start_roster_import(roster_import=previewed, by=None)
    done = services.run_roster_import(import_id=upload.pk)
    if done.status != "done":
        raise SystemExit(f"The import failed: {done.errors[:3]}")
    finished = time.perf_counter()
    return done.summary, {
        "upload": stored - started,
        "read": read_done - stored,
        "plan": plan_done - read_done,
        "apply": finished - plan_done,
        "total": finished - started,
    }


def main() -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "sferum_portal.settings"
    if "DEBUG" not in os.environ:
        os.environ.update(DEBUG="0", SECRET_KEY="bench-only-not-secret", ALLOWED_HOSTS="localhost")
        os.environ.setdefault("PORTAL_BASE_URL", "http://localhost")
    description, cleanup = configure_database()
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    os.environ["MEDIA_ROOT"] = str(workdir / "media")  # the uploaded files, deleted after
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from roles.models import Membership, Person
        from sferum_portal.celery import app

        # The jobs are called below as the worker would; publishing only queues them in memory.
        app.conf.task_always_eager = False
        logging.getLogger("kombu.connection").setLevel(logging.ERROR)
        call_command("migrate", verbosity=0, interactive=False)
        timed, traced = setup_institution("Бенчмарк 1"), setup_institution("Бенчмарк 2")

        started = time.perf_counter()
        rows = roster_rows(random.Random(2026))
        path = workdir / "roster.xlsx"
        write_xlsx(rows, path, random.Random(2027))
        generate_seconds = time.perf_counter() - started

        summary, seconds = import_file(timed, path)
        if summary["created"] != len(rows):
            raise SystemExit(f"Expected {len(rows)} new people, got {summary}")

        tracemalloc.start()
        _, traced_seconds = import_file(traced, path)
        peak_traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        people = Person.objects.filter(institution=timed).count()
        memberships = Membership.objects.filter(person__institution=timed).count()
        met = seconds["total"] < TARGET_SECONDS and max(peak_traced_mb, max_rss_mb) < TARGET_MB
        print(f"rows={len(rows)}")
        print(f"database={connection.vendor}")
        print(f"database_detail={description}")
        print(f"people_created={people}")
        print(f"memberships_created={memberships}")
        print(f"generate_seconds={generate_seconds:.2f}")
        print(f"file_mb={path.stat().st_size / 2**20:.2f}")
        print(f"upload_seconds={seconds['upload']:.2f}")
        print(f"read_seconds={seconds['read']:.2f}")
        print(f"plan_seconds={seconds['plan']:.2f}")
        print(f"apply_seconds={seconds['apply']:.2f}")
        print(f"import_seconds={seconds['total']:.2f}")
        print(f"traced_import_seconds={traced_seconds['total']:.2f}")
        print(f"peak_traced_mb={peak_traced_mb:.1f}")
        print(f"max_rss_mb={max_rss_mb:.1f}")
        print(f"target_met={'yes' if met else 'no'}")
        print(f"import_seconds={seconds['total']:.2f}")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
