"""A student joins by the QR code of a personal link, closes the browser, opens it again and is
still signed in; a teacher who does the same is asked to sign in again.

"Closing the browser" is done as a browser does it: the context is closed and its cookies are
written to disk; a restarted browser keeps the persistent cookies and drops the session ones,
so the new context starts with the saved state minus the cookies without an expiry.
"""

from __future__ import annotations

import json
import re

import pytest

from invitations import services as invitation_services
from roles import services
from roles.models import PersonKind, Role, UnitKind

from ..factories import PASSWORD, make_institution, make_member, make_person, make_unit
from .printing import scan_element
from .test_scenario import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def close_and_reopen(browsers, context, tmp_path, who: str):
    """Close the browser (its state saved to disk) and start it again with what survives."""
    saved = tmp_path / f"{who}-state.json"
    context.storage_state(path=str(saved))
    context.close()
    state = json.loads(saved.read_text())
    state["cookies"] = [c for c in state["cookies"] if c.get("expires", -1) > 0]
    reopened = browsers.chromium.new_context(
        base_url=browsers.base_url, locale="ru-RU", storage_state=state
    )
    reopened.set_default_timeout(20_000)
    browsers.contexts.append(reopened)
    page = reopened.new_page()
    browsers.pages[f"{who}-again"] = page
    return page


@pytest.fixture
def school():
    institution = make_institution("Школа № 2")
    klass = make_unit(institution, UnitKind.CLASS, "6Б", academic_year="2026/2027")
    admin = make_member(institution, Role.ADMIN)
    student = make_person(
        institution, kind=PersonKind.STUDENT, last_name="Воробьёва", first_name="Таня"
    )
    services.enrol(
        person=student, unit=klass, role=Role.STUDENT, effective_date=institution.local_today()
    )
    teacher = make_member(institution, Role.TEACHER, klass, verified=True)
    return institution, klass, admin.user, student, teacher.user


def test_a_student_stays_signed_in_after_the_browser_restarts(browsers, school, tmp_path):
    institution, klass, admin_user, student, teacher_user = school
    iid = institution.pk

    # The administrator prints the class's sheet of personal links with their QR codes.
    admin = browsers.page("admin")
    log_in(admin, admin_user.username)
    admin.goto(f"/invitations/{iid}/bulk/?unit={klass.pk}")
    admin.select_option("#id_unit", str(klass.pk))
    admin.select_option("#id_role", "student")
    admin.locator("main form[method=post] button[type=submit]").click()
    admin.wait_for_load_state()
    card = admin.locator(".qr-card", has_text="Воробьёва")
    assert card.locator("svg").count() == 1  # the QR code
    link = scan_element(card.locator("svg"))
    assert re.fullmatch(r"https?://\S+/invite/[A-Za-z0-9_\-]+/", link)

    # The student scans it on her phone and joins with one button, no password.
    phone = browsers.page("student")
    phone.goto(link)
    assert "Воробьёва Таня" in phone.inner_text("main")
    phone.click("main form button[type=submit]")
    phone.wait_for_url(re.compile(rf"/chats/{iid}/my/$"))
    assert "Мои чаты" in phone.inner_text("main h1")

    # The browser is closed and opened again: she is still signed in.
    again = close_and_reopen(browsers, phone.context, tmp_path, "student")
    again.goto("/")
    again.goto(f"/chats/{iid}/my/")
    assert "/accounts/login/" not in again.url
    assert "Мои чаты" in again.inner_text("main h1")

    # A teacher's login ends with the browser (shared school computers).
    desk = browsers.page("teacher")
    log_in(desk, teacher_user.username, PASSWORD)
    desk.goto(f"/chats/{iid}/my/")
    assert "Мои чаты" in desk.inner_text("main h1")
    desk_again = close_and_reopen(browsers, desk.context, tmp_path, "teacher")
    desk_again.goto(f"/chats/{iid}/my/")
    assert "/accounts/login/" in desk_again.url

    assert browsers.csp_violations == []
    assert browsers.console_errors == []
    # The personal link was issued to her alone and is now spent.
    assert invitation_services.find_invitation(link.rstrip("/").rsplit("/", 1)[1]).uses_count == 1
