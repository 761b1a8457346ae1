"""The invitation links and the join requests as XLSX, CSV and printed pages: every filtered
row, never a token, a teacher only their own links."""

import datetime as dt

import pytest
from django.utils.translation import gettext as _

from invitations import services
from roles.models import AuditEvent, Role

from ...conftest import login
from ...exports import check_layout, content, csv_rows, sheet_rows, workbook
from ...factories import UserFactory, make_member
from ..helpers import issue, page


@pytest.fixture
def links(klass, admin_user, settings):
    settings.PORTAL_PAGE_SIZE = 3
    issued = [issue(klass, Role.STUDENT, admin_user, max_uses=None) for _i in range(7)]
    services.revoke_invitation(invitation=issued[0][0], by=admin_user)
    return issued


def test_the_links_workbook_has_every_filtered_link_and_no_token(institution, admin_client, links):
    response = admin_client.get(page("list_xlsx", institution), {"status": "active"})

    sheet = workbook(response).worksheets[0]
    header, rows = sheet_rows(sheet)
    check_layout(sheet, len(header))
    assert len(rows) == 6  # every active link, not one page of three; the revoked one not
    assert {r[header.index(_("status"))] for r in rows} == {_("active")}
    assert all(isinstance(r[header.index(_("valid until"))], dt.datetime) for r in rows)
    assert {r[header.index(_("times used"))] for r in rows} == {0}
    raw = content(admin_client.get(page("list_csv", institution)))
    for _invitation, token in links:
        assert token.encode() not in raw
    assert b"/invite/" not in raw
    assert AuditEvent.objects.filter(action="invitations.export").count() == 2


def test_a_teacher_exports_only_the_links_they_issued(institution, klass, admin_user, links):
    teacher = make_member(institution, Role.TEACHER, klass, verified=True)
    issue(klass, Role.PARENT, teacher.user, max_uses=None)

    header, *rows = csv_rows(login(teacher.user).get(page("list_csv", institution)))

    assert [r[header.index(_("role"))] for r in rows] == [Role.PARENT.label]


def test_join_requests_export_waiting_and_decided(institution, klass, admin_client, admin_user):
    _invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None)
    first = services.request_to_join(
        token=token, user=UserFactory(), last_name="Лебедев", first_name="Павел"
    )
    services.request_to_join(token=token, user=UserFactory(), last_name="Гусев", first_name="Ян")
    services.reject_join_request(join_request=first, by=admin_user, reason="не наш")

    response = admin_client.get(page("requests_xlsx", institution))

    header, rows = sheet_rows(workbook(response).worksheets[0])
    assert [r[header.index(_("last name"))] for r in rows] == ["Лебедев", "Гусев"]
    assert rows[0][header.index(_("reason"))] == "не наш"
    assert isinstance(rows[0][header.index(_("decided"))], dt.datetime)
    assert rows[1][header.index(_("decided"))] is None
    printed = admin_client.get(page("requests_print", institution)).content.decode()
    assert "Лебедев" in printed and "Гусев" in printed


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "print"])
def test_only_admins_export_join_requests(institution, klass, fmt):
    for role in (Role.DIRECTOR, Role.TEACHER, Role.STUDENT):
        user = make_member(institution, role, klass if role == Role.STUDENT else None).user
        assert login(user).get(page(f"requests_{fmt}", institution)).status_code == 403
    assert not AuditEvent.objects.filter(action="join-requests.export").exists()
