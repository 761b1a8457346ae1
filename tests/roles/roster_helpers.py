"""What the roster import tests share: the files they build, importing them, looking at the result.

Messages are translated with gettext (Russian by default, translations may be missing), so the
assertions look at row numbers, identifiers and counts, never at the wording.
"""

import csv
import io
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from roles import services
from roles.models import (
    AdminAppointment,
    AuditEvent,
    GuardianLink,
    Membership,
    Movement,
    Person,
    Role,
    RosterImport,
    RosterImportStatus,
    TodoItem,
    Unit,
)
from roles.roster import FIELD_LABELS, plan_roster, read_roster

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


def export_csv(header, rows, *, title=(), encoding="cp1251", delimiter=";") -> bytes:
    """A list as an information system exports it to CSV: title rows (then a blank row) above
    the header, every row as wide as the header (Excel pads them with separators)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    width = len(header)
    for line in title:
        writer.writerow([line] + [""] * (width - 1))
    if title:
        writer.writerow([""] * width)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue().encode(encoding)


def export_xlsx(header, rows, *, title=()) -> bytes:
    """The same list as an Excel workbook: a merged title row, a blank row, the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Контингент"
    for line in title:
        sheet.append([line])
    if title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb(unpacked_mb: int = 300, size_mb: int = 2) -> bytes:
    """A real .xlsx zip bomb: a workbook whose sheet unpacks to `unpacked_mb` MB, padded to
    `size_mb` MB with a stored picture, as the one that killed a web worker."""
    import os
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(BASE_ROWS)))
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    chunk = row * (1024 * 1024 // len(row))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
                continue
            with target.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData>'
                )
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
        padding = size_mb * 1024 * 1024 - out.tell() - 200
        if padding > 0:
            picture = zipfile.ZipInfo("xl/media/image1.png")
            target.writestr(picture, os.urandom(padding), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


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


def plan_file(institution, data: bytes, filename: str = "roster.csv", *, complete=False, kind=""):
    """The plan of a file with its headers recognised; `complete`: the file is the complete
    list of its kinds (people missing from it leave)."""
    return plan_roster(institution, read_roster(data, filename, kind=kind), complete=complete)


def import_file(
    institution, data: bytes, filename: str = "roster.csv", *, complete=False, kind=""
) -> dict:
    """What `import_roster` does: plan, then apply a valid plan."""
    plan = plan_file(institution, data, filename, complete=complete, kind=kind)
    assert plan.is_valid, [e.as_dict() for e in plan.errors]
    return services.apply_roster_plan(plan=plan, by=None)


def import_rows(institution, rows, *, complete=False) -> dict:
    return import_file(institution, csv_bytes(rows), complete=complete)


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
        {None: [FIELD_LABELS["kind"]]},  # the field's Russian name, never its key
    ),
    # An unknown column is ignored (issue 12): here it held the classes, so the students lack one.
    bad(
        "unknown-column",
        csv_bytes(BASE_ROWS, [*EN_HEADER[:5], "class", EN_HEADER[6]]),
        [ROW_OF["S-1"], ROW_OF["S-2"], ROW_OF["S-3"]],
    ),
    bad(
        "repeated-column",
        csv_bytes([(*r, r[1]) for r in BASE_ROWS], [*EN_HEADER, "Фамилия"]),
        FILE_ERROR,
        {None: ["Фамилия"]},
    ),
    # UTF-16 is read (issue 12); a DOS-encoded file is refused, never read as garbage.
    bad("cp866", csv_bytes(russian(BASE_ROWS), RU_HEADER, encoding="cp866"), FILE_ERROR),
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
            token = str(token)  # a lazy field name is translated now
            assert mentions(by_row[row], token), (row, token, by_row[row])


def preview(
    institution, by, rows=BASE_ROWS, fmt="csv-utf8-comma-en", *, complete=False
) -> RosterImport:
    data, filename = roster_file(fmt, rows)
    roster_import = services.preview_roster_import(
        institution=institution, data=data, filename=filename, by=by, complete=complete
    )
    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    return roster_import


def upload_url(institution) -> str:
    return f"/structure/{institution.pk}/import/"


def import_url(institution, roster_import) -> str:
    return f"/structure/{institution.pk}/import/{roster_import.pk}/"


def mapping_url(institution, roster_import) -> str:
    return f"/structure/{institution.pk}/import/{roster_import.pk}/columns/"


def upload(client: Client, institution, data: bytes, name: str = "roster.csv", **kwargs):
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(upload_url(institution), {"file": file}, **kwargs)


def map_columns(
    client: Client, institution, roster_import, *, mapping=None, kind="", complete=False, **kw
):
    """Submit the choice of columns: the proposed one unless `mapping` gives another."""
    roster_import.refresh_from_db()
    data = {f"column_{i}": f for i, f in enumerate(mapping or roster_import.mapping)}
    data["kind"] = kind
    if complete:
        data["complete"] = "on"
    return client.post(mapping_url(institution, roster_import), data, **kw)


def upload_and_map(client: Client, institution, data: bytes, name="roster.csv", **choices):
    """Upload a file, choose its columns (as proposed, with `choices`), wait for the check."""
    upload(client, institution, data, name)
    roster_import = RosterImport.objects.filter(institution=institution).latest("pk")
    poll(
        lambda: RosterImport.objects.get(pk=roster_import.pk).status != "reading",
        "the file to be read",
    )
    map_columns(client, institution, roster_import, **choices)
    poll(
        lambda: RosterImport.objects.get(pk=roster_import.pk).status != "planning",
        "the rows to be checked",
    )
    roster_import.refresh_from_db()
    return roster_import


def poll(check, what: str, timeout: float = 30.0):
    """Wait until `check()` is true: eager tasks are done already, a worker takes a bit."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        time.sleep(0.1)
    return result


WAITING = (RosterImportStatus.READING, RosterImportStatus.PLANNING, RosterImportStatus.QUEUED)


def wait_for(roster_import: RosterImport) -> RosterImport:
    """The import once its job has finished (it is not waiting to be read, checked or applied)."""

    def finished():
        roster_import.refresh_from_db()
        return roster_import.status not in WAITING

    poll(finished, f"import {roster_import.pk} to finish")
    return roster_import


# The admin and the director of the `admin_user` fixture are staff on the roster; a file listing
# staff without them would make them leave. The page tests import students and parents only.
PUPILS_AND_PARENTS = [row for row in BASE_ROWS if row[4] != "staff"]
