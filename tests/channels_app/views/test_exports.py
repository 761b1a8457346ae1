"""The events (with attendance) and the support log as XLSX, CSV and printed pages."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _

from channels_app import services
from channels_app.models import EventKind, EventStatus, SupportStatus
from roles.models import AuditEvent, Role

from ...conftest import login
from ...exports import check_layout, csv_rows, sheet_rows, workbook
from ...factories import make_member
from ..helpers import event, future, page


@pytest.fixture
def seminar(institution, admin_user, class_teacher):
    starts = future(-3)
    held = event(institution, admin_user, starts, kind=EventKind.SEMINAR, title="Семинар")
    services.mark_attended(event=held, by=class_teacher.user, attended=True)
    return services.mark_event_held(event=held, by=admin_user, attendance_count=17)


def test_the_events_workbook_has_the_attendance(
    institution, admin_client, admin_user, seminar, class_teacher
):
    event(institution, admin_user, future(5), title="Трансляция")

    response = admin_client.get(page("events_xlsx", institution), {"period": "all"})

    sheet = workbook(response).worksheets[0]
    header, rows = sheet_rows(sheet)
    check_layout(sheet, len(header))
    by_title = {r[header.index(_("title"))]: r for r in rows}
    assert set(by_title) == {"Семинар", "Трансляция"}
    marked = by_title["Семинар"]
    assert marked[header.index(_("teachers who marked their attendance"))] == 1
    assert marked[header.index(_("took part"))] == 17
    assert marked[header.index(_("status"))] == EventStatus.HELD.label
    assert class_teacher.full_name in marked[header.index(_("who marked their attendance"))]
    assert isinstance(marked[0], dt.datetime)
    assert by_title["Трансляция"][header.index(_("teachers who marked their attendance"))] is None


def test_a_student_exports_the_events_meant_for_them_without_names(
    institution, klass, admin_user, seminar, student
):
    event(institution, admin_user, future(5), title="Для всех")

    header, *rows = csv_rows(login(student.user).get(page("events_csv", institution)))

    assert [r[header.index(_("title"))] for r in rows] == ["Для всех"]


def test_the_support_log_exports_with_its_filter(institution, admin_client, admin_user):
    services.create_support_request(
        institution=institution,
        by=admin_user,
        subject="Не приходит код",
        description="=СУММ(1;2)",
        status=SupportStatus.SENT,
        sent_on=dt.date(2026, 1, 12),
        ticket_number="T-1",
        resolution="",
    )
    services.create_support_request(
        institution=institution,
        by=admin_user,
        subject="Черновик",
        description="…",
        status=SupportStatus.DRAFT,
        sent_on=None,
        ticket_number="",
        resolution="",
    )

    book = workbook(admin_client.get(page("support_xlsx", institution), {"status": "sent"}))
    header, rows = sheet_rows(book.worksheets[0])
    assert [r[header.index(_("subject"))] for r in rows] == ["Не приходит код"]
    assert rows[0][header.index(_("sent on"))] == dt.datetime(2026, 1, 12)
    description = book.worksheets[0].cell(row=6, column=header.index(_("description")) + 1)
    assert description.value == "=СУММ(1;2)" and description.data_type == "s"
    assert description.quotePrefix
    header, *csv_data = csv_rows(login(admin_user).get(page("support_csv", institution)))
    assert "'=СУММ(1;2)" in [r[header.index(_("description"))] for r in csv_data]
    assert AuditEvent.objects.filter(action="support.export").count() == 2


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.TEACHER])
def test_only_admins_export_the_support_log(institution, role):
    user = make_member(institution, role).user
    for fmt in ("xlsx", "csv", "print"):
        assert login(user).get(page(f"support_{fmt}", institution)).status_code == 403
