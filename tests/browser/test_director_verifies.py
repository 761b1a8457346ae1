"""Issue 13, item 1 (regulation 2.2.4): the director confirms a teacher's «учитель» status in
Chromium — from the dashboard card to the queue (the teacher's classes, the date they joined,
what to check in Sferum), the decision, and the teacher shown as verified on their card."""

from __future__ import annotations

import pytest

from roles import services
from roles.models import Membership, Role, UnitKind, Verification

from ..factories import PASSWORD, START, make_institution, make_member, make_unit
from .test_scenario import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_director_confirms_a_teacher_from_the_queue(browsers):
    institution = make_institution("Школа № 12")
    department = make_unit(institution, UnitKind.DEPARTMENT, "Технический отдел")
    klass = make_unit(
        institution, UnitKind.CLASS, "Робототехника", academic_year="2026/2027", parent=department
    )
    director = make_member(institution, Role.DIRECTOR)
    teacher = make_member(institution, Role.TEACHER, joined=True)  # in «Учительская»
    services.update_person(
        person=teacher, by=None, last_name="Орлова", first_name="Вера", email="v@example.org"
    )
    services.enrol(person=teacher, unit=klass, role=Role.TEACHER, effective_date=START)

    page = browsers.page("director")
    log_in(page, director.user.username, PASSWORD)
    page.goto("/")
    card = page.locator("#card-verification")
    assert card.locator(".display-6").inner_text().strip() == "1"
    card.click()
    page.wait_for_url(f"**/invitations/{institution.pk}/verification/")

    checklist = page.locator("#verification-checklist").inner_text()
    assert "«Учительской»" in checklist
    item = page.locator(".verification-item", has_text="Орлова Вера")
    text = item.inner_text()
    assert "Робототехника (2026/2027)" in text and "Технический отдел" in text
    assert "Учительская" in text
    assert START.strftime("%d.%m.%Y") in text  # in the class since
    item.get_by_label("подтвердить статус «учитель»").check()
    item.locator("button[type=submit]").click()
    page.wait_for_load_state()

    assert "Орлова" in page.locator(".alert-success").inner_text()
    assert page.locator(".verification-item").count() == 0
    assert page.locator(".empty-state").is_visible()

    page.get_by_role("button", name="Ещё").click()
    page.get_by_role("link", name="Люди").click()
    page.get_by_role("link", name="Орлова Вера").first.click()
    memberships = page.locator("main table").first.inner_text()
    assert "подтверждён" in memberships
    assert set(
        Membership.objects.filter(person=teacher).values_list("verification", flat=True)
    ) == {Verification.VERIFIED}
    assert browsers.csp_violations == []
    assert browsers.console_errors == []
