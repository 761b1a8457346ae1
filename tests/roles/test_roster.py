"""Roster import: reading CSV/XLSX, planning, applying, the command, the upload pages, the purge.

Everything goes through the public surface (roles.roster, roles.services, `import_roster`, HTTP).
Messages are translated with gettext (Russian by default, translations may be missing), so the
assertions look at row numbers, identifiers and counts, never at the wording.
"""

import csv
import datetime as dt
import io
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from roles import services
from roles.models import (
    AdminAppointment,
    AuditEvent,
    GuardianLink,
    Membership,
    Movement,
    MovementKind,
    Person,
    PersonKind,
    Role,
    RosterImport,
    RosterImportStatus,
    TodoItem,
    TodoKind,
    Unit,
    UnitKind,
    Verification,
)
from roles.roster import RosterFileError, plan_roster, read_roster

from ..factories import PASSWORD, UserFactory, make_institution, make_member

YEAR = "2026/2027"
STAFF_ROOM = services.STAFF_ROOM_NAME
DEPARTMENT = "Художественный отдел"  # the `department` fixture

EN_HEADER = ("external_id", "last_name", "first_name", "patronymic", "kind", "unit", "guardian_of")
RU_HEADER = ("Идентификатор", "Фамилия", "Имя", "Отчество", "Тип", "Класс", "Родитель для")
RU_KINDS = {"staff": "сотрудник", "student": "обучающийся", "parent": "родитель"}

# (external_id, last_name, first_name, patronymic, kind, unit, guardian_of): header is row 1,
# so T-1 is row 2, ..., P-2 is row 8. Children in guardian_of are separated by spaces here;
# the file builders rewrite the separator per format.
BASE_ROWS = [
    ("T-1", "Смирнова", "Ольга", "Петровна", "staff", DEPARTMENT, ""),
    ("T-2", "Кузнецов", "Андрей", "Игоревич", "staff", "", ""),
    ("S-1", "Иванов", "Пётр", "Сергеевич", "student", "3А", ""),
    ("S-2", "Петрова", "Анна", "Михайловна", "student", "3Б", ""),
    ("S-3", "Сидоров", "Максим", "", "student", "3А", ""),
    ("P-1", "Иванова", "Елена", "Викторовна", "parent", "", "S-1"),
    ("P-2", "Петров", "Михаил", "Андреевич", "parent", "", "S-2 S-3"),
]
ROW_OF = {row[0]: number for number, row in enumerate(BASE_ROWS, start=2)}

# What BASE_ROWS gives: open (unit name, role) per external id, and the guardian links.
BASE_UNITS = {
    "T-1": {(STAFF_ROOM, Role.TEACHER), (DEPARTMENT, Role.TEACHER)},
    "T-2": {(STAFF_ROOM, Role.TEACHER)},
    "S-1": {("3А", Role.STUDENT)},
    "S-2": {("3Б", Role.STUDENT)},
    "S-3": {("3А", Role.STUDENT)},
    "P-1": {("3А", Role.PARENT)},
    "P-2": {("3А", Role.PARENT), ("3Б", Role.PARENT)},
}
BASE_LINKS = {("P-1", "S-1"), ("P-2", "S-2"), ("P-2", "S-3")}

# Every table an import may write to.
ROSTER_MODELS = (Person, Membership, Movement, GuardianLink, TodoItem, Unit, AdminAppointment)


# --- building files ---------------------------------------------------------------------------


def replace(rows, row_id: str, /, **changes) -> list[tuple]:
    """A copy of `rows` with one row changed, e.g. replace(BASE_ROWS, "S-1", unit="3Б")."""
    index = {name: i for i, name in enumerate(EN_HEADER)}
    result = []
    for row in rows:
        if row[0] == row_id:
            row = list(row)
            for name, value in changes.items():
                row[index[name]] = value
            row = tuple(row)
        result.append(row)
    return result


def without(rows, *external_ids: str) -> list[tuple]:
    return [row for row in rows if row[0] not in external_ids]


def _children(row: tuple, separator: str) -> tuple:
    """The row with its guardian_of ids ("S-2 S-3") joined by `separator` instead."""
    return (*row[:6], separator.join(row[6].split()))


def russian(rows) -> list[tuple]:
    """The same rows as a Russian school system writes them."""
    return [(*row[:4], RU_KINDS.get(row[4], row[4]), *row[5:]) for row in rows]


def csv_bytes(
    rows, header=EN_HEADER, *, delimiter: str = ",", encoding: str = "utf-8", children: str = ","
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    # Full roster rows get their children's separator; odd-shaped rows are written as they are.
    writer.writerows(_children(row, children) if len(row) == 7 else row for row in rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=EN_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Список"
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMATS = ["csv-utf8-comma-en", "csv-cp1251-semicolon-ru", "xlsx-en", "xlsx-ru"]


def roster_file(fmt: str, rows) -> tuple[bytes, str]:
    """(file bytes, file name) of `rows` in one of FORMATS."""
    if fmt == "csv-utf8-comma-en":
        return csv_bytes(rows), "roster.csv"
    if fmt == "csv-cp1251-semicolon-ru":
        data = csv_bytes(russian(rows), RU_HEADER, delimiter=";", encoding="cp1251", children="; ")
        return data, "roster.csv"
    if fmt == "xlsx-en":
        return xlsx_bytes(rows), "roster.xlsx"
    if fmt == "xlsx-ru":
        return xlsx_bytes(russian(rows), RU_HEADER), "roster.xlsx"
    raise ValueError(fmt)


# --- importing and looking at the result ------------------------------------------------------


def plan_file(institution, data: bytes, filename: str = "roster.csv"):
    return plan_roster(institution, read_roster(data, filename))


def import_file(institution, data: bytes, filename: str = "roster.csv") -> dict:
    """What `import_roster` does: plan, then apply a valid plan."""
    plan = plan_file(institution, data, filename)
    assert plan.is_valid, [e.as_dict() for e in plan.errors]
    return services.apply_roster_plan(plan=plan, by=None)


def import_rows(institution, rows) -> dict:
    return import_file(institution, csv_bytes(rows))


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROSTER_MODELS}


def snapshot() -> dict:
    """Counts plus the rows that a wrongly applied import would touch."""
    return {
        "counts": counts(),
        "people": set(
            Person.objects.values_list(
                "pk", "external_id", "last_name", "first_name", "patronymic", "kind", "left_on"
            )
        ),
        "memberships": set(
            Membership.objects.values_list(
                "pk", "person_id", "unit_id", "role", "start_date", "end_date", "joined_at"
            )
        ),
        "links": set(GuardianLink.objects.values_list("parent_id", "student_id")),
    }


def person(institution, external_id: str) -> Person:
    return Person.objects.get(institution=institution, external_id=external_id)


def open_units(p: Person) -> set[tuple[str, str]]:
    return {
        (m.unit.name, m.role)
        for m in Membership.objects.filter(person=p, end_date__isnull=True).select_related("unit")
    }


def links_of(institution) -> set[tuple[str, str]]:
    return set(
        GuardianLink.objects.filter(parent__institution=institution).values_list(
            "parent__external_id", "student__external_id"
        )
    )


def imports_applied(institution) -> int:
    """How many times an import was written (re-imports change no row, but are audited)."""
    return AuditEvent.objects.filter(institution=institution, action="roster.import").count()


def error_rows(errors) -> list:
    """Row numbers of RowError objects or of their stored dicts, in order."""
    return [e["row"] if isinstance(e, dict) else e.row for e in errors]


def mentions(text: str, token: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text) is not None


def stored_roster_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "rosters"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def uploader(db):
    """A login that is nobody on the roster, so that importing staff never makes it leave."""
    return UserFactory()


@pytest.fixture
def units(institution, klass, department) -> dict[str, Unit]:
    """3А (the `klass` fixture), 3Б of the same year and the department, by name."""
    other = services.create_unit(
        institution=institution, kind=UnitKind.CLASS, name="3Б", academic_year=YEAR
    )
    return {"3А": klass, "3Б": other, DEPARTMENT: department}


# --- reading ----------------------------------------------------------------------------------


def test_reads_a_utf8_csv_with_commas_and_english_headers():
    rows = read_roster(csv_bytes(BASE_ROWS), "roster.csv")

    assert [r.number for r in rows] == list(range(2, 9))
    first, p2 = rows[0], rows[-1]
    assert (first.external_id, first.last_name, first.first_name, first.patronymic) == (
        "T-1",
        "Смирнова",
        "Ольга",
        "Петровна",
    )
    assert (first.kind_raw, first.unit_name, first.guardian_of) == ("staff", DEPARTMENT, [])
    assert p2.guardian_of == ["S-2", "S-3"]


def test_reads_a_cp1251_csv_with_semicolons_and_russian_headers():
    data, _ = roster_file("csv-cp1251-semicolon-ru", BASE_ROWS)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really Windows-1251, not UTF-8

    rows = read_roster(data, "roster.csv")

    assert [r.external_id for r in rows] == [row[0] for row in BASE_ROWS]
    s1 = rows[ROW_OF["S-1"] - 2]
    assert (s1.number, s1.last_name, s1.first_name, s1.kind_raw, s1.unit_name) == (
        ROW_OF["S-1"],
        "Иванов",
        "Пётр",
        "обучающийся",
        "3А",
    )
    assert rows[-1].guardian_of == ["S-2", "S-3"]


@pytest.mark.parametrize("header", [EN_HEADER, RU_HEADER], ids=["english", "russian"])
def test_reads_an_xlsx_workbook(header):
    rows = read_roster(xlsx_bytes(BASE_ROWS, header), "Список класса.xlsx")

    assert [r.number for r in rows] == list(range(2, 9))
    assert [(r.external_id, r.last_name, r.unit_name) for r in rows] == [
        (row[0], row[1], row[5]) for row in BASE_ROWS
    ]
    assert rows[-1].guardian_of == ["S-2", "S-3"]


def test_xlsx_identifiers_typed_as_numbers_are_read_as_text():
    data = xlsx_bytes(
        [
            (1001, "Иванов", "Пётр", "", "student", "3А", ""),
            (1002.0, "Иванова", "Анна", "", "parent", "", 1001),
        ]
    )

    rows = read_roster(data, "roster.xlsx")

    assert [r.external_id for r in rows] == ["1001", "1002"]
    assert rows[1].guardian_of == ["1001"]


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    data = (
        csv_bytes(BASE_ROWS[:2])
        + b"\r\n,,,,,,\r\n"
        + csv_bytes(BASE_ROWS[2:3]).split(b"\r\n", 1)[1]
    )

    rows = read_roster(data, "roster.csv")

    assert [(r.number, r.external_id) for r in rows] == [(2, "T-1"), (3, "T-2"), (6, "S-1")]


# --- applying ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_creates_people_memberships_links_and_enrolments(institution, units, fmt):
    data, filename = roster_file(fmt, BASE_ROWS)

    summary = import_file(institution, data, filename)

    assert summary["rows"] == summary["created"] == len(BASE_ROWS)
    assert (summary["changed"], summary["ended"], summary["unchanged"]) == (0, 0, 0)
    people = {p.external_id: p for p in Person.objects.filter(institution=institution)}
    assert set(people) == set(BASE_UNITS)
    assert {k: p.kind for k, p in people.items()} == {
        row[0]: PersonKind(row[4]) for row in BASE_ROWS
    }
    assert people["S-1"].full_name == "Иванов Пётр Сергеевич"
    assert people["S-3"].patronymic == ""
    assert {k: open_units(p) for k, p in people.items()} == BASE_UNITS
    assert links_of(institution) == BASE_LINKS

    memberships = Membership.objects.filter(person__institution=institution)
    today = institution.local_today()
    assert {m.start_date for m in memberships} == {today}
    # New teachers await Sferum's «учитель» status; the other roles need none.
    assert {m.verification for m in memberships if m.role == Role.TEACHER} == {Verification.PENDING}
    assert {m.verification for m in memberships if m.role != Role.TEACHER} == {
        Verification.NOT_REQUIRED
    }
    # One enrolment per membership, into that very unit and role.
    movements = Movement.objects.filter(institution=institution)
    assert {m.kind for m in movements} == {MovementKind.ENROL}
    assert Counter((m.person_id, m.to_unit_id, m.role) for m in movements) == Counter(
        (m.person_id, m.unit_id, m.role) for m in memberships
    )
    assert {m.effective_date for m in movements} == {today}
    # Enrolment needs no manual step in Sferum.
    assert not TodoItem.objects.exists()


def test_staff_join_the_staff_room_as_teachers(institution, units):
    import_rows(institution, BASE_ROWS)

    staff_room = services.staff_room(institution)
    in_staff_room = Membership.objects.filter(unit=staff_room, end_date__isnull=True)
    assert sorted((m.person.external_id, m.role) for m in in_staff_room) == [
        ("T-1", Role.TEACHER),
        ("T-2", Role.TEACHER),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_importing_the_same_file_again_changes_nothing(institution, units, fmt):
    data, filename = roster_file(fmt, BASE_ROWS)
    import_file(institution, data, filename)
    before = snapshot()

    plan = plan_file(institution, data, filename)
    summary = plan.summary()
    assert (summary["created"], summary["changed"], summary["ended"]) == (0, 0, 0)
    assert summary["unchanged"] == len(BASE_ROWS)
    assert (plan.transfers, plan.additions, plan.guardian_links, plan.leavers) == ([], [], [], [])

    applied = services.apply_roster_plan(plan=plan, by=None)

    assert (applied["created"], applied["changed"], applied["ended"]) == (0, 0, 0)
    assert snapshot() == before


def test_a_changed_name_is_updated_without_movements(institution, units):
    import_rows(institution, BASE_ROWS)
    movements = Movement.objects.count()

    summary = import_rows(institution, replace(BASE_ROWS, "S-2", last_name="Кузнецова"))

    assert (summary["created"], summary["changed"], summary["ended"]) == (0, 1, 0)
    assert person(institution, "S-2").last_name == "Кузнецова"
    assert Movement.objects.count() == movements


def test_a_parent_can_be_linked_to_a_student_already_on_the_roster(institution, units):
    import_rows(institution, without(BASE_ROWS, "P-1", "P-2"))

    # Only parents are listed now, so no student leaves.
    summary = import_rows(institution, [("P-9", "Иванова", "Елена", "", "parent", "", "S-1")])

    assert (summary["created"], summary["ended"]) == (1, 0)
    assert links_of(institution) == {("P-9", "S-1")}
    assert open_units(person(institution, "P-9")) == {("3А", Role.PARENT)}


# --- a second file: transfers and leavers -----------------------------------------------------


def test_a_student_in_another_class_is_transferred(institution, units):
    import_rows(institution, BASE_ROWS)
    s1 = person(institution, "S-1")

    plan = plan_file(institution, csv_bytes(replace(BASE_ROWS, "S-1", unit="3Б")))
    assert [(item.row.external_id, a.name, b.name) for item, a, b in plan.transfers] == [
        ("S-1", "3А", "3Б")
    ]
    summary = services.apply_roster_plan(plan=plan, by=None)

    assert (summary["transfers"], summary["ended"]) == (1, 0)
    assert open_units(s1) == {("3Б", Role.STUDENT)}
    old = Membership.objects.get(person=s1, unit=units["3А"])
    assert old.end_date == institution.local_today()
    movement = Movement.objects.get(person=s1, kind=MovementKind.TRANSFER)
    assert (movement.from_unit, movement.to_unit, movement.role) == (
        units["3А"],
        units["3Б"],
        Role.STUDENT,
    )
    # Whether S-1 is in 3А in Sferum is unknown: the manual step is always asked for.
    todo = TodoItem.objects.get(person=s1)
    assert (todo.kind, todo.unit) == (TodoKind.REINVITE, units["3Б"])


def test_a_transferred_student_who_had_joined_sferum_gets_a_reinvite_todo(institution, units):
    import_rows(institution, BASE_ROWS)
    s1 = person(institution, "S-1")
    services.mark_joined(memberships=Membership.objects.filter(person=s1))

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    movement = Movement.objects.get(person=s1, kind=MovementKind.TRANSFER)
    todo = TodoItem.objects.get(person=s1)
    assert (todo.kind, todo.person, todo.unit, todo.movement) == (
        TodoKind.REINVITE,
        s1,
        units["3Б"],
        movement,
    )
    assert todo.done_at is None


def test_a_parent_follows_their_child_into_the_new_class(institution, units):
    import_rows(institution, BASE_ROWS)

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    assert ("3Б", Role.PARENT) in open_units(person(institution, "P-1"))


def test_people_of_a_listed_kind_missing_from_the_file_leave(institution, units):
    import_rows(institution, BASE_ROWS)
    s2 = person(institution, "S-2")
    services.mark_joined(memberships=Membership.objects.filter(person=s2))
    before = counts()

    plan = plan_file(institution, csv_bytes(without(BASE_ROWS, "T-2", "S-2", "P-2")))
    assert sorted(p.external_id for p in plan.leavers) == ["P-2", "S-2", "T-2"]
    summary = services.apply_roster_plan(plan=plan, by=None)

    assert (summary["created"], summary["ended"]) == (0, 3)
    today = institution.local_today()
    for external_id in ("T-2", "S-2", "P-2"):
        leaver = person(institution, external_id)
        assert leaver.left_on == today
        assert open_units(leaver) == set()
        assert Membership.objects.filter(person=leaver, end_date=today).count() == len(
            BASE_UNITS[external_id]
        )
        assert Movement.objects.filter(person=leaver, kind=MovementKind.LEAVE).count() == 1
    for external_id in ("T-1", "S-1", "S-3", "P-1"):
        stayer = person(institution, external_id)
        assert stayer.left_on is None
        assert open_units(stayer) == BASE_UNITS[external_id]
    # Removing each leaver from each of their units in Sferum is a manual step.
    removals = {
        (t.person.external_id, t.unit.name)
        for t in TodoItem.objects.filter(kind=TodoKind.REMOVE).select_related("person", "unit")
    }
    assert removals == {(e, unit) for e in ("T-2", "S-2", "P-2") for unit, _ in BASE_UNITS[e]}
    assert TodoItem.objects.count() == len(removals)
    assert counts()["Person"] == before["Person"]  # leaving keeps the person on record


def test_kinds_absent_from_the_file_do_not_leave(institution, units):
    import_rows(institution, BASE_ROWS)

    summary = import_rows(institution, [row for row in BASE_ROWS if row[4] == "student"])

    assert summary["ended"] == 0
    assert not Person.objects.filter(left_on__isnull=False).exists()


def test_a_leaver_listed_again_returns(institution, units):
    import_rows(institution, BASE_ROWS)
    import_rows(institution, without(BASE_ROWS, "S-3"))
    assert person(institution, "S-3").left_on is not None

    summary = import_rows(institution, BASE_ROWS)

    s3 = person(institution, "S-3")
    assert summary["changed"] == 1
    assert s3.left_on is None
    assert open_units(s3) == {("3А", Role.STUDENT)}
    assert Movement.objects.filter(person=s3, kind=MovementKind.ENROL).count() == 2


# --- bad files --------------------------------------------------------------------------------

FILE_ERROR = [None]  # a file-level error: no row number
DUPLICATE_ROW = len(BASE_ROWS) + 2  # a row appended to BASE_ROWS


def bad(case_id: str, data: bytes, rows: list, tokens=None, filename: str = "roster.csv"):
    """A rejected file: the error rows expected, and what each row's messages must mention."""
    return pytest.param(data, filename, rows, tokens or {}, id=case_id)


BAD_CASES = [
    bad(
        "missing-column",
        csv_bytes([r[:4] + r[5:] for r in BASE_ROWS], [c for c in EN_HEADER if c != "kind"]),
        FILE_ERROR,
        {None: ["kind"]},
    ),
    bad(
        "unknown-column",
        csv_bytes(BASE_ROWS, [*EN_HEADER[:5], "class", EN_HEADER[6]]),
        FILE_ERROR,
        {None: ["class"]},
    ),
    bad(
        "repeated-column",
        csv_bytes([(*r, r[1]) for r in BASE_ROWS], [*EN_HEADER, "Фамилия"]),
        FILE_ERROR,
        {None: ["Фамилия"]},
    ),
    bad("utf16", csv_bytes(BASE_ROWS, encoding="utf-16"), FILE_ERROR),
    bad("empty", b"", FILE_ERROR),
    bad("header-only", csv_bytes([]), FILE_ERROR),
    bad("not-an-xlsx", b"PK\x03\x04 this is no workbook", FILE_ERROR, filename="roster.xlsx"),
    bad(
        "unknown-class",
        csv_bytes(replace(BASE_ROWS, "S-2", unit="9Я")),
        [ROW_OF["S-2"]],
        {ROW_OF["S-2"]: ["9Я"]},
    ),
    bad(
        "duplicate-id",
        csv_bytes([*BASE_ROWS, ("S-1", "Орлов", "Олег", "", "student", "3Б", "")]),
        [ROW_OF["S-1"], DUPLICATE_ROW],
        {
            ROW_OF["S-1"]: ["S-1", str(DUPLICATE_ROW)],
            DUPLICATE_ROW: ["S-1", str(ROW_OF["S-1"])],
        },
    ),
    bad(
        "student-without-class",
        csv_bytes(replace(BASE_ROWS, "S-3", unit="")),
        [ROW_OF["S-3"]],
    ),
    bad(
        "parent-of-nobody",
        csv_bytes(replace(BASE_ROWS, "P-1", guardian_of="S-404")),
        [ROW_OF["P-1"]],
        {ROW_OF["P-1"]: ["S-404"]},
    ),
    bad(
        "unknown-kind",
        csv_bytes(replace(BASE_ROWS, "T-2", kind="директор")),
        [ROW_OF["T-2"]],
        {ROW_OF["T-2"]: ["директор"]},
    ),
    bad(
        "several-bad-rows-xlsx",
        xlsx_bytes(
            replace(replace(BASE_ROWS, "T-2", unit="Нет такого"), "P-2", guardian_of="S-2 X")
        ),
        [ROW_OF["T-2"], ROW_OF["P-2"]],
        {ROW_OF["T-2"]: ["Нет такого"], ROW_OF["P-2"]: ["X"]},
        filename="roster.xlsx",
    ),
]


def _check_messages(errors: list[dict], tokens: dict) -> None:
    by_row = {e["row"]: " ".join(e["messages"]) for e in errors}
    assert all(e["messages"] and all(isinstance(m, str) for m in e["messages"]) for e in errors)
    for row, expected in tokens.items():
        for token in expected:
            assert mentions(by_row[row], token), (row, token, by_row[row])


@pytest.mark.parametrize(("data", "filename", "rows", "tokens"), BAD_CASES)
def test_a_bad_file_is_rejected_by_the_planner(institution, units, data, filename, rows, tokens):
    # A valid roster first: applying the bad one would transfer and end people.
    import_rows(institution, BASE_ROWS)
    before = snapshot()

    if rows == FILE_ERROR:
        with pytest.raises(RosterFileError) as exc:
            plan_file(institution, data, filename)
        _check_messages([{"row": None, "messages": [str(exc.value)]}], tokens)
    else:
        plan = plan_file(institution, data, filename)
        assert error_rows(plan.errors) == rows
        _check_messages([e.as_dict() for e in plan.errors], tokens)
        with pytest.raises(ValidationError):
            services.apply_roster_plan(plan=plan, by=None)

    assert snapshot() == before


@pytest.mark.parametrize(("data", "filename", "rows", "tokens"), BAD_CASES)
def test_a_bad_file_preview_is_invalid_and_not_stored(
    institution, units, uploader, data, filename, rows, tokens
):
    import_rows(institution, BASE_ROWS)
    before, files = snapshot(), stored_roster_files()

    roster_import = services.preview_roster_import(
        institution=institution, data=data, filename=filename, by=uploader
    )

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.INVALID
    assert error_rows(roster_import.errors) == rows
    _check_messages(roster_import.errors, tokens)
    assert roster_import.summary == {}
    assert not roster_import.file
    assert stored_roster_files() == files
    assert snapshot() == before
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=roster_import, by=uploader)


def test_one_bad_row_rejects_the_whole_file(institution, units):
    rows = [*BASE_ROWS, ("S-9", "Орлов", "Олег", "", "student", "", "")]
    before = snapshot()

    plan = plan_file(institution, csv_bytes(rows))

    assert error_rows(plan.errors) == [9]
    with pytest.raises(ValidationError):
        services.apply_roster_plan(plan=plan, by=None)
    assert snapshot() == before


def test_a_class_name_shared_by_two_academic_years_needs_the_year(institution, units):
    services.create_unit(
        institution=institution, kind=UnitKind.CLASS, name="3А", academic_year="2025/2026"
    )

    ambiguous = plan_file(institution, csv_bytes(BASE_ROWS))
    assert error_rows(ambiguous.errors) == [ROW_OF["S-1"], ROW_OF["S-3"]]

    rows = replace(replace(BASE_ROWS, "S-1", unit="3А (2026/2027)"), "S-3", unit="3а (2026/2027)")
    import_rows(institution, rows)
    assert open_units(person(institution, "S-1")) == {("3А", Role.STUDENT)}
    assert Membership.objects.get(person__external_id="S-3").unit == units["3А"]


# --- the import_roster command ----------------------------------------------------------------


def numbers(text: str) -> Counter:
    return Counter(re.findall(r"\d+", text))


def run_command(path: Path, institution, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_roster", str(path), institution=institution.pk, stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_command_imports_a_file(institution, units, tmp_path):
    path = write(tmp_path, "roster.xlsx", roster_file("xlsx-ru", BASE_ROWS)[0])

    out, err = run_command(path, institution)

    # rows, new, changed, left, unchanged
    assert numbers(out) == Counter({str(len(BASE_ROWS)): 2, "0": 3})
    assert err == ""
    assert {p.external_id: open_units(p) for p in Person.objects.all()} == BASE_UNITS
    assert links_of(institution) == BASE_LINKS


def test_command_again_reports_everything_unchanged(institution, units, tmp_path):
    path = write(tmp_path, "roster.csv", roster_file("csv-cp1251-semicolon-ru", BASE_ROWS)[0])
    run_command(path, institution)
    before = snapshot()

    out, _ = run_command(path, institution)

    assert numbers(out) == Counter({str(len(BASE_ROWS)): 2, "0": 3})
    assert snapshot() == before


def test_command_dry_run_writes_nothing(institution, units, tmp_path):
    path = write(tmp_path, "roster.csv", csv_bytes(BASE_ROWS))
    before = snapshot()

    out, _ = run_command(path, institution, dry_run=True)

    assert numbers(out) == Counter({str(len(BASE_ROWS)): 2, "0": 3})
    assert snapshot() == before
    assert not Person.objects.exists()


def test_command_rejects_bad_rows_with_exit_status_1(institution, units, tmp_path):
    import_rows(institution, BASE_ROWS)
    rows = replace(replace(BASE_ROWS, "S-2", unit="9Я"), "P-1", guardian_of="S-404")
    path = write(tmp_path, "roster.csv", csv_bytes(rows))
    before = snapshot()
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exc:
        call_command("import_roster", str(path), institution=institution.pk, stdout=out, stderr=err)

    assert exc.value.code == 1
    assert out.getvalue() == ""
    reported = [
        int(m.group(1)) for m in re.finditer(r"^\s+\w+ (\d+): \S", err.getvalue(), re.MULTILINE)
    ]
    assert reported == [ROW_OF["S-2"], ROW_OF["P-1"]]
    assert "9Я" in err.getvalue() and "S-404" in err.getvalue()
    assert snapshot() == before


def test_command_rejects_an_unreadable_file(institution, units, tmp_path):
    path = write(tmp_path, "roster.csv", csv_bytes(BASE_ROWS, encoding="utf-16"))
    before = snapshot()

    with pytest.raises(CommandError) as exc:
        run_command(path, institution)

    assert exc.value.returncode == 1
    assert snapshot() == before


def test_command_needs_an_existing_institution_and_file(institution, tmp_path):
    with pytest.raises(CommandError):
        run_command(tmp_path / "missing.csv", institution)
    path = write(tmp_path, "roster.csv", csv_bytes(BASE_ROWS))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), institution=institution.pk + 1000)


# --- the queued import (service level) --------------------------------------------------------


def preview(institution, by, rows=BASE_ROWS, fmt="csv-utf8-comma-en") -> RosterImport:
    data, filename = roster_file(fmt, rows)
    roster_import = services.preview_roster_import(
        institution=institution, data=data, filename=filename, by=by
    )
    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    return roster_import


def test_preview_keeps_the_file_and_the_summary_and_writes_nothing(institution, units, uploader):
    before = snapshot()

    roster_import = preview(institution, uploader, fmt="xlsx-en")

    assert snapshot() == before
    assert roster_import.rows_total == len(BASE_ROWS)
    assert roster_import.summary["created"] == len(BASE_ROWS)
    assert roster_import.errors == []
    assert default_storage.exists(roster_import.file.name)


def test_a_queued_import_is_applied_once(institution, units, uploader):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)
    # The test transaction never commits, so the queued task is not sent: run its body here.
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=roster_import, by=uploader)
    stored = roster_import.file.name

    done = services.run_roster_import(import_id=roster_import.pk)

    assert done.status == RosterImportStatus.DONE
    assert done.rows_done == done.rows_total == len(BASE_ROWS)
    assert done.finished_at is not None
    assert {
        p.external_id: open_units(p) for p in Person.objects.filter(institution=institution)
    } == BASE_UNITS
    assert (
        Movement.objects.filter(recorded_by=uploader).count()
        == Membership.objects.filter(
            person__institution=institution, person__external_id__in=BASE_UNITS
        ).count()
    )
    # The file held minors' names: gone once applied.
    assert not RosterImport.objects.get(pk=roster_import.pk).file
    assert not default_storage.exists(stored)

    before = snapshot()
    assert services.run_roster_import(import_id=roster_import.pk).status == RosterImportStatus.DONE
    assert snapshot() == before
    assert imports_applied(institution) == 1


def test_an_import_whose_file_is_lost_fails_cleanly_and_writes_nothing(
    institution, units, uploader
):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)
    default_storage.delete(roster_import.file.name)  # the stored file is lost meanwhile
    before = snapshot()

    with pytest.raises(FileNotFoundError):
        services.run_roster_import(import_id=roster_import.pk)

    failed = RosterImport.objects.get(pk=roster_import.pk)
    assert failed.status == RosterImportStatus.FAILED and failed.errors[0]["row"] is None
    assert snapshot() == before


def test_a_queued_import_is_checked_again_when_it_runs(institution, units, uploader):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)
    services.archive_unit(unit=units["3Б"], by=uploader)  # the database changed meanwhile
    before = snapshot()

    done = services.run_roster_import(import_id=roster_import.pk)

    assert done.status == RosterImportStatus.INVALID
    assert error_rows(done.errors) == [ROW_OF["S-2"]]
    assert snapshot() == before
    assert not RosterImport.objects.get(pk=roster_import.pk).file


# --- the upload pages -------------------------------------------------------------------------


def upload_url(institution) -> str:
    return f"/structure/{institution.pk}/import/"


def import_url(institution, roster_import) -> str:
    return f"/structure/{institution.pk}/import/{roster_import.pk}/"


def upload(client: Client, institution, data: bytes, name: str = "roster.csv", **kwargs):
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(upload_url(institution), {"file": file}, **kwargs)


def poll(check, what: str, timeout: float = 30.0):
    """Wait until `check()` is true: eager tasks are done already, a worker takes a bit."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        time.sleep(0.1)
    return result


def wait_for(roster_import: RosterImport) -> RosterImport:
    """The import once it has finished (its status is neither queued nor running)."""

    def finished():
        roster_import.refresh_from_db()
        return roster_import.status != RosterImportStatus.QUEUED

    poll(finished, f"import {roster_import.pk} to finish")
    return roster_import


# The admin and the director of the `admin_user` fixture are staff on the roster; a file listing
# staff without them would make them leave. The page tests import students and parents only.
PUPILS_AND_PARENTS = [row for row in BASE_ROWS if row[4] != "staff"]


def test_upload_preview_and_confirm(job_worker, admin_client, admin_user, institution, units):
    assert admin_client.get(upload_url(institution)).status_code == 200
    before = snapshot()

    response = upload(admin_client, institution, csv_bytes(PUPILS_AND_PARENTS))

    roster_import = RosterImport.objects.get(institution=institution)
    assert response.status_code == 302
    assert response["Location"] == import_url(institution, roster_import)
    assert (roster_import.status, roster_import.uploaded_by) == (
        RosterImportStatus.PREVIEW,
        admin_user,
    )
    assert roster_import.summary["created"] == len(PUPILS_AND_PARENTS)
    assert default_storage.exists(roster_import.file.name)
    assert snapshot() == before  # nothing written yet
    page = admin_client.get(import_url(institution, roster_import))
    assert page.status_code == 200
    assert page.context["roster_import"] == roster_import
    assert b'method="post"' in page.content

    response = admin_client.post(import_url(institution, roster_import))

    assert response.status_code == 302
    assert response["Location"] == import_url(institution, roster_import)
    roster_import = wait_for(roster_import)
    assert roster_import.status == RosterImportStatus.DONE, roster_import.errors
    assert roster_import.rows_done == len(PUPILS_AND_PARENTS)
    imported = {
        p.external_id: open_units(p)
        for p in Person.objects.filter(external_id__in=[r[0] for r in PUPILS_AND_PARENTS])
    }
    assert imported == {row[0]: BASE_UNITS[row[0]] for row in PUPILS_AND_PARENTS}
    assert links_of(institution) == BASE_LINKS
    assert set(
        Movement.objects.filter(person__external_id__in=list(imported)).values_list(
            "kind", "recorded_by"
        )
    ) == {(MovementKind.ENROL, admin_user.pk)}
    # The file is discarded right after the status is saved (a worker may lag a moment).
    poll(lambda: not RosterImport.objects.get(pk=roster_import.pk).file, "the file to go")
    progress = admin_client.get(import_url(institution, roster_import), {"format": "json"}).json()
    assert progress == {
        "status": "done",
        "done": len(PUPILS_AND_PARENTS),
        "total": len(PUPILS_AND_PARENTS),
    }

    # A second click imports nothing twice.
    after = snapshot()
    response = admin_client.post(import_url(institution, roster_import), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert wait_for(roster_import).status == RosterImportStatus.DONE
    assert snapshot() == after
    assert imports_applied(institution) == 1


def test_an_invalid_upload_shows_the_bad_rows_and_stores_nothing(admin_client, institution, units):
    rows = replace(replace(PUPILS_AND_PARENTS, "S-2", unit="9Я"), "S-3", unit="")
    before, files = snapshot(), stored_roster_files()

    response = upload(admin_client, institution, csv_bytes(rows), follow=True)

    assert response.status_code == 200
    roster_import = response.context["roster_import"]
    assert roster_import.status == RosterImportStatus.INVALID
    assert error_rows(roster_import.errors) == [3, 4]  # S-2 and S-3 of the pupils' file
    content = response.content.decode()
    assert "<td>3</td>" in content and "<td>4</td>" in content and "9Я" in content
    assert not roster_import.file
    assert stored_roster_files() == files
    assert snapshot() == before
    # Confirming a rejected file does nothing either.
    admin_client.post(import_url(institution, roster_import))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.INVALID
    assert snapshot() == before


def test_an_unreadable_upload_is_reported_as_a_file_error(admin_client, institution, units):
    data = csv_bytes(PUPILS_AND_PARENTS, encoding="utf-16")

    response = upload(admin_client, institution, data, follow=True)

    roster_import = response.context["roster_import"]
    assert roster_import.status == RosterImportStatus.INVALID
    assert error_rows(roster_import.errors) == [None]
    assert not Person.objects.filter(external_id__in=BASE_UNITS).exists()


def test_the_upload_form_accepts_only_csv_and_xlsx(admin_client, institution, units):
    response = upload(admin_client, institution, csv_bytes(BASE_ROWS), name="roster.pdf")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not RosterImport.objects.exists()


def test_other_roles_may_not_import(institution, units, uploader):
    roster_import = preview(institution, uploader, rows=PUPILS_AND_PARENTS)
    teacher = make_member(institution, Role.TEACHER)
    client = Client()
    assert client.login(username=teacher.user.username, password=PASSWORD)

    assert client.get(upload_url(institution)).status_code == 403
    assert upload(client, institution, csv_bytes(PUPILS_AND_PARENTS)).status_code == 403
    assert client.get(import_url(institution, roster_import)).status_code == 403
    assert client.post(import_url(institution, roster_import)).status_code == 403
    assert RosterImport.objects.get().status == RosterImportStatus.PREVIEW


def test_another_institutions_import_is_not_found(admin_client, institution, units):
    other = make_institution()
    services.create_unit(institution=other, kind=UnitKind.CLASS, name="3А", academic_year=YEAR)
    services.create_unit(institution=other, kind=UnitKind.CLASS, name="3Б", academic_year=YEAR)
    foreign = preview(other, None, rows=PUPILS_AND_PARENTS)

    assert admin_client.get(import_url(institution, foreign)).status_code == 404
    assert admin_client.post(import_url(institution, foreign)).status_code == 404
    assert admin_client.get(upload_url(other)).status_code == 404
    assert admin_client.get(import_url(other, foreign)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == RosterImportStatus.PREVIEW


def test_anonymous_visitors_are_sent_to_the_login_page(client, institution):
    response = client.get(upload_url(institution))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- purging stored files ---------------------------------------------------------------------


def test_purge_deletes_the_files_of_stale_previews_only(institution, units, uploader):
    stale, recent = preview(institution, uploader), preview(institution, uploader)
    days = settings.ROSTER_FILE_RETENTION_DAYS
    RosterImport.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days, hours=1)
    )
    RosterImport.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days - 1)
    )
    stale_name, recent_name = stale.file.name, recent.file.name

    assert services.purge_roster_files() == 1

    stale.refresh_from_db()
    recent.refresh_from_db()
    assert not stale.file and not default_storage.exists(stale_name)
    assert recent.file.name == recent_name and default_storage.exists(recent_name)
    # A purged preview cannot be confirmed any more.
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=stale, by=uploader)
    assert stale.status == RosterImportStatus.PREVIEW
    # Nothing left to purge.
    assert services.purge_roster_files() == 0


def test_purge_takes_the_age_as_an_argument(institution, units, uploader):
    roster_import = preview(institution, uploader)
    RosterImport.objects.filter(pk=roster_import.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )

    assert services.purge_roster_files(older_than_days=5) == 0
    assert services.purge_roster_files(older_than_days=2) == 1
    roster_import.refresh_from_db()
    assert not roster_import.file


# --- known bugs (see the report; remove the marks once fixed) ---------------------------------


def test_a_parent_leaves_the_old_class_when_their_only_child_there_is_transferred(
    institution, units
):
    import_rows(institution, BASE_ROWS)

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    assert open_units(person(institution, "P-1")) == {("3Б", Role.PARENT)}


def test_a_staff_member_moved_to_another_department_leaves_the_old_one(institution, units):
    services.create_unit(institution=institution, kind=UnitKind.DEPARTMENT, name="Спорт")
    import_rows(institution, BASE_ROWS)

    import_rows(institution, replace(BASE_ROWS, "T-1", unit="Спорт"))

    assert open_units(person(institution, "T-1")) == {
        (STAFF_ROOM, Role.TEACHER),
        ("Спорт", Role.TEACHER),
    }


def test_a_blank_line_before_a_semicolon_header_is_skipped():
    data = b"\r\n" + roster_file("csv-cp1251-semicolon-ru", BASE_ROWS)[0]

    assert [r.number for r in read_roster(data, "roster.csv")] == list(range(3, 10))


def test_an_unterminated_quote_in_a_large_csv_is_a_file_error():
    rows = [(f"S-{i}", "Иванов", "Пётр", "", "student", "3А", "") for i in range(5000)]
    data = csv_bytes(rows).replace(b"S-0,", b'S-0,"', 1)

    with pytest.raises(RosterFileError):
        read_roster(data, "roster.csv")


def test_an_external_id_longer_than_the_column_is_a_row_error(institution, units):
    rows = replace(BASE_ROWS, "T-2", external_id="T-" + "2" * 120)  # the column holds 100

    plan = plan_file(institution, csv_bytes(rows))

    assert error_rows(plan.errors) == [ROW_OF["T-2"]]


def test_an_import_never_records_the_administration_or_an_admin_as_leaving(institution, units):
    import_rows(institution, BASE_ROWS)
    deputy = person(institution, "T-2")
    staff_membership = Membership.objects.get(person=deputy, unit__name=STAFF_ROOM)
    services.change_role(
        membership=staff_membership, role=Role.DEPUTY, effective_date=institution.local_today()
    )
    without_staff = [row for row in BASE_ROWS if row[0] not in {"T-2"}]

    plan = plan_file(institution, csv_bytes(without_staff))
    summary = import_rows(institution, without_staff)

    assert [p.pk for p in plan.kept] == [deputy.pk]
    assert summary["ended"] == 0
    deputy.refresh_from_db()
    assert deputy.left_on is None
    assert (STAFF_ROOM, Role.DEPUTY) in open_units(deputy)


def test_a_parent_who_had_joined_the_old_class_gets_a_removal_todo(institution, units):
    import_rows(institution, BASE_ROWS)
    parent = person(institution, "P-1")
    services.mark_joined(memberships=Membership.objects.filter(person=parent))

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    todo = TodoItem.objects.get(person=parent)
    assert (todo.kind, todo.unit.name) == ("remove", "3А")
    assert Movement.objects.filter(person=parent, kind="unit_exit").count() == 1


def test_leavers_need_an_explicit_confirmation(job_worker, admin_client, institution, units):
    import_rows(institution, PUPILS_AND_PARENTS)
    without_s3 = [row for row in PUPILS_AND_PARENTS if row[0] != "S-3"]
    upload(admin_client, institution, csv_bytes(without_s3))
    roster_import = RosterImport.objects.filter(institution=institution).latest("pk")
    assert roster_import.summary["ended"] == 1
    page = admin_client.get(import_url(institution, roster_import)).content.decode()
    assert 'name="confirm_leavers"' in page

    response = admin_client.post(import_url(institution, roster_import), follow=True)

    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.PREVIEW
    assert person(institution, "S-3").left_on is None

    admin_client.post(import_url(institution, roster_import), {"confirm_leavers": "1"})

    assert wait_for(roster_import).status == RosterImportStatus.DONE
    assert person(institution, "S-3").left_on is not None


def test_a_workbook_with_broken_xml_is_a_file_error():
    import zipfile

    good = xlsx_bytes(BASE_ROWS)
    source, damaged = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut in the middle of the XML
            target.writestr(item, data)
    with pytest.raises(RosterFileError):
        read_roster(damaged.getvalue(), "roster.xlsx")


def test_names_of_every_alphabet_of_russia_are_names(institution, units):
    rows = replace(BASE_ROWS, "S-1", last_name="Хәйруллина", first_name="Гөлнара")
    rows = replace(rows, "S-3", last_name="Мірошниченко", first_name="Ґанна", patronymic="")
    plan = plan_file(institution, csv_bytes(rows))
    assert plan.is_valid, [e.as_dict() for e in plan.errors]


def test_reimporting_changes_nothing_for_a_child_in_several_classes(institution, units):
    import_rows(institution, BASE_ROWS)
    s1 = person(institution, "S-1")
    # S-1 also attends 3Б, enrolled by hand; the file still names 3А only.
    services.enrol(
        person=s1, unit=units["3Б"], role=Role.STUDENT, effective_date=institution.local_today()
    )
    before = snapshot()

    summary = import_rows(institution, BASE_ROWS)

    assert (summary["created"], summary["changed"], summary["ended"]) == (0, 0, 0)
    assert snapshot() == before
    assert open_units(s1) == {("3А", Role.STUDENT), ("3Б", Role.STUDENT)}


def test_more_leavers_at_run_time_than_confirmed_reject_the_import(institution, units, uploader):
    import_rows(institution, BASE_ROWS)
    # Preview a file without S-3: one leaver, confirmed.
    stale = preview(institution, uploader, rows=without(BASE_ROWS, "S-3"))
    assert stale.summary["ended"] == 1
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=stale, by=uploader)
    services.start_roster_import(roster_import=stale, by=uploader, confirm_leavers=True)
    # Meanwhile somebody enrols a new student the stale file does not know.
    newcomer = services.create_person(
        institution=institution,
        last_name="Новикова",
        first_name="Ева",
        kind="student",
        external_id="S-9",
    )
    services.enrol(
        person=newcomer,
        unit=units["3А"],
        role=Role.STUDENT,
        effective_date=institution.local_today(),
    )
    before = snapshot()

    done = services.run_roster_import(import_id=stale.pk)

    assert done.status == RosterImportStatus.INVALID
    assert done.errors[0]["row"] is None
    assert snapshot() == before
    assert person(institution, "S-9").left_on is None
