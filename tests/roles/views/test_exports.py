"""The roles app's lists as XLSX, CSV and printed pages: every filtered row, typed cells, the
audit log, and only for those who see the list."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from roles import services
from roles.models import AuditEvent, Role, TodoItem

from ...conftest import login
from ...exports import check_layout, csv_rows, sheet_rows, workbook
from ...factories import make_member, make_person
from .helpers import url

FORMATS = ("xlsx", "csv", "print")


@pytest.fixture
def many_students(institution, klass, settings):
    settings.PORTAL_PAGE_SIZE = 5
    students = [make_member(institution, Role.STUDENT, klass) for _i in range(12)]
    for n, person in enumerate(students):
        services.update_person(person=person, by=None, last_name=f"Ученикова-{n:02d}")
    return students


def test_the_people_workbook_has_every_filtered_row_with_typed_cells(
    institution, admin_client, klass, many_students
):
    make_person(institution, kind="staff", last_name="Учителева")
    leaver = many_students[0]
    services.leave(person=leaver, effective_date=dt.date(2026, 1, 10), by=None)

    response = admin_client.get(url("people_xlsx", institution), {"kind": "student", "page": 2})

    book = workbook(response)
    sheet = book.worksheets[0]
    assert sheet.title == "Люди"
    assert sheet["A1"].value == "Люди"
    assert sheet["A2"].value == institution.name
    assert "Тип: обучающийся" in sheet["A3"].value
    header, rows = sheet_rows(sheet)
    check_layout(sheet, len(header))
    assert header[:3] == ["фамилия", "имя", "отчество"]
    # Every student, not one page of five; nobody of another kind.
    assert sorted(r[0] for r in rows) == sorted(p.last_name for p in many_students)
    by_name = {r[0]: r for r in rows}
    left = by_name["Ученикова-00"]
    left_on = header.index(_("left the institution"))
    assert left[left_on] == dt.datetime(2026, 1, 10)
    row_of_leaver = 6 + [r[0] for r in rows].index("Ученикова-00")
    assert sheet.cell(row=row_of_leaver, column=left_on + 1).is_date
    assert by_name["Ученикова-01"][header.index(_("administrator"))] is False
    assert "3А" in by_name["Ученикова-01"][header.index(_("units and roles"))]
    assert book.properties.title == "Люди"


def test_the_people_csv_is_one_table_with_every_row(institution, admin_client, many_students):
    rows = csv_rows(admin_client.get(url("people_csv", institution), {"kind": "student"}))

    header, *data = rows
    assert header[0] == "фамилия"
    assert len(data) == len(many_students)
    assert all(len(r) == len(header) for r in data)
    assert {r[header.index(_("administrator"))] for r in data} == {pgettext("export", "no")}


def test_the_printed_people_list_has_every_row_and_a_header(
    institution, admin_client, many_students
):
    response = admin_client.get(url("people_print", institution), {"kind": "student"})

    assert response.status_code == 200
    text = response.content.decode()
    assert institution.name in text and "Тип: обучающийся" in text
    assert all(p.last_name in text for p in many_students)
    assert "data-portal-print" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_of_people_is_in_the_audit_log(institution, admin_client, admin_user, fmt):
    assert admin_client.get(url(f"people_{fmt}", institution), {"q": "петров"}).status_code == 200

    event = AuditEvent.objects.get(action="people.export")
    assert (event.institution, event.actor) == (institution, admin_user)
    assert event.data["format"] == fmt
    assert event.data["filters"] == ["Поиск: петров"]


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("people", {Role.DIRECTOR, Role.DEPUTY, Role.ADMIN}),
        ("movements", {Role.DIRECTOR, Role.DEPUTY, Role.ADMIN}),
        ("todos", {Role.ADMIN}),
        ("audit", {Role.DIRECTOR, Role.ADMIN}),
    ],
)
def test_only_those_who_see_a_list_export_it(institution, klass, name, allowed):
    for role in (Role.DIRECTOR, Role.DEPUTY, Role.ADMIN, Role.TEACHER, Role.STUDENT):
        client = login(make_member(institution, role, klass if role == Role.STUDENT else None).user)
        for fmt in FORMATS:
            status = client.get(url(f"{name}_{fmt}", institution)).status_code
            assert status == (200 if role in allowed else 403), (role, fmt, status)


def test_the_movement_journal_exports_its_filtered_rows(institution, admin_client, klass):
    person = make_person(institution, last_name="Переводов")
    services.enrol(person=person, unit=klass, role=Role.STUDENT, effective_date=dt.date(2026, 1, 5))
    old = make_person(institution, last_name="Старожилов")
    services.enrol(person=old, unit=klass, role=Role.STUDENT, effective_date=dt.date(2025, 9, 1))

    response = admin_client.get(url("movements_xlsx", institution), {"since": "2026-01-01"})

    header, rows = sheet_rows(workbook(response).worksheets[0])
    assert [r[header.index(_("person"))] for r in rows] == [person.full_name]
    assert rows[0][0] == dt.datetime(2026, 1, 5)
    assert isinstance(rows[0][header.index(_("recorded"))], dt.datetime)


def test_the_todo_list_exports_the_open_or_the_done_items(institution, admin_client, klass):
    person = make_member(institution, Role.STUDENT, klass)
    services.leave(person=person, effective_date=dt.date(2026, 1, 10), by=None)
    open_items = TodoItem.objects.filter(institution=institution, done_at__isnull=True)
    assert open_items.exists()

    header, *rows = csv_rows(admin_client.get(url("todos_csv", institution)))
    assert header[0] == _("what to do")
    assert len(rows) == open_items.count()
    header, *done = csv_rows(admin_client.get(url("todos_csv", institution), {"show": "done"}))
    assert done == []


def test_the_audit_log_exports_with_its_filter(institution, admin_client, klass):
    make_person(institution, last_name="Аудитов")

    response = admin_client.get(url("audit_xlsx", institution), {"action": "person."})

    header, rows = sheet_rows(workbook(response).worksheets[0])
    # The action in words for the reader (issue 13), its code beside it for a search.
    assert rows and all(r[header.index(_("action code"))].startswith("person.") for r in rows)
    assert {r[header.index(_("action"))] for r in rows} == {_("Person added")}
    assert all(isinstance(r[0], dt.datetime) for r in rows)
