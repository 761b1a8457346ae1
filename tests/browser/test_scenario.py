"""The first weeks of an institution, clicked through in Chromium by five people.

The administrator creates a class and a teacher's invitation; the teacher signs up through it
in a browser of their own; the administrator verifies the teacher; the teacher prints the class's
personal links and registers the class chats; a student opens their link and finds the chat;
the director recalculates the statistics and sees the figures appear. No page may trip the
Content-Security-Policy.
"""

from __future__ import annotations

import re

import pytest

from roles import services
from roles.models import Person, PersonKind, Role, Unit

from ..factories import PASSWORD, make_institution, make_member, make_person
from .printing import scan_element

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STUDENTS_CHAT = "https://vk.me/join/AbCdEf123456"
PARENTS_CHAT = "https://vk.me/join/PaRenTs654321"


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def submit(page, form_selector: str = "main form[method=post]") -> None:
    page.locator(form_selector).last.locator("button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.fixture
def school():
    institution = make_institution("Школа № 1")
    admin = make_member(institution, Role.ADMIN)
    director = Person.objects.get(
        institution=institution, memberships__role=Role.DIRECTOR
    )  # appointed the administrator
    student = make_person(institution, kind=PersonKind.STUDENT, last_name="Соколова")
    return institution, admin.user, director.user, student


def test_from_a_new_class_to_the_students_chat_and_the_statistics(browsers, school, job_worker):
    institution, admin_user, director_user, student = school
    iid = institution.pk

    # The administrator creates the class.
    admin = browsers.page("admin")
    log_in(admin, admin_user.username)
    admin.goto(f"/structure/{iid}/units/new/")
    admin.select_option("#id_kind", "class")
    admin.fill("#id_name", "5А")
    submit(admin)
    klass = Unit.objects.get(institution=institution, name="5А")
    assert "5А" in admin.inner_text("main")
    # The roster brings the class's students (as an import would).
    services.enrol(
        person=student, unit=klass, role=Role.STUDENT, effective_date=institution.local_today()
    )

    # ... and a teacher's invitation.
    admin.goto(f"/invitations/{iid}/new/?unit={klass.pk}&role=teacher")
    submit(admin)
    teacher_link = admin.input_value("#link")
    assert "/invite/" in teacher_link

    # The teacher signs up through it, in a browser of their own.
    teacher = browsers.page("teacher")
    teacher.goto(teacher_link)
    teacher.fill("#id_signup-last_name", "Смирнова")
    teacher.fill("#id_signup-first_name", "Анна")
    teacher.fill("#id_signup-email", "anna.smirnova@example.org")
    teacher.fill("#id_signup-username", "a.smirnova")
    teacher.fill("#id_signup-password1", "Sferum-teacher-2026")
    teacher.fill("#id_signup-password2", "Sferum-teacher-2026")
    teacher.click("text=Создать учётную запись и вступить")
    teacher.wait_for_url(re.compile(rf"/chats/{iid}/my/$"))

    # The administrator verifies the teacher.
    admin.goto(f"/invitations/{iid}/verification/")
    card = admin.locator(".card", has_text="Смирнова")
    card.locator("input[name=approve][value='1']").check()
    card.locator("button[type=submit]").click()
    admin.wait_for_load_state()
    assert "Смирнова" in admin.inner_text(".alert-success")
    assert admin.locator(".card", has_text="Смирнова").count() == 0  # the queue is empty

    # The teacher prints the class's personal links...
    teacher.goto(f"/invitations/{iid}/bulk/?unit={klass.pk}")
    teacher.select_option("#id_unit", str(klass.pk))
    teacher.select_option("#id_role", "student")
    submit(teacher)
    sheet = teacher.inner_text("main")
    assert "Соколова" in sheet
    # The student's phone scans the QR code of her card.
    student_link = scan_element(teacher.locator(".qr-card", has_text="Соколова").locator("svg"))
    assert re.fullmatch(r"https?://\S+/invite/[A-Za-z0-9_\-]+/", student_link)

    # ... and registers the class chats (students and parents).
    for kind, title, link in (
        ("class_students", "5А: ученики", STUDENTS_CHAT),
        ("class_parents", "5А: родители", PARENTS_CHAT),
    ):
        teacher.goto(f"/chats/{iid}/new/?kind={kind}&unit={klass.pk}")
        teacher.select_option("#id_kind", kind)
        teacher.select_option("#id_unit", str(klass.pk))
        teacher.fill("#id_title", title)
        teacher.select_option("#id_platform", "vk")
        teacher.fill("#id_link", link)
        submit(teacher)
        teacher.wait_for_url(re.compile(rf"/chats/{iid}/classes/$"))
        assert title in teacher.inner_text("main")

    # The student opens their personal link and finds the class chat.
    pupil = browsers.page("student")
    pupil.goto(student_link)
    assert "Соколова" in pupil.inner_text("main")
    pupil.click("main form button[type=submit]")
    pupil.wait_for_url(re.compile(rf"/chats/{iid}/my/$"))
    chats = pupil.inner_text("main")
    assert "5А: ученики" in chats and "5А: родители" not in chats
    assert pupil.get_attribute("main a[href^='https://vk.me/']", "href") == STUDENTS_CHAT

    # The director recalculates the statistics and sees the figures appear.
    director = browsers.page("director")
    log_in(director, director_user.username)
    director.goto("/stats/")
    assert director.locator("main .card .h4").count() == 0  # no snapshot yet
    director.click("text=Пересчитать сейчас")
    director.wait_for_load_state()
    # The page refreshes itself while the job runs (on a real worker in .ci/browser).
    director.wait_for_selector("main .card .h4", timeout=60_000)
    assert "Последний пересчёт" in director.inner_text("main")
    figures = director.locator("main .card .h4").all_inner_texts()
    assert any(re.fullmatch(r"\d+", f.strip()) for f in figures), figures

    assert browsers.csp_violations == []
    assert browsers.console_errors == []


def test_a_csp_violation_would_be_caught(browsers, school):
    """A control for the listener above: inline code and style on a portal page are reported."""
    _institution, admin_user, _director, _student = school
    page = browsers.page("control")
    log_in(page, admin_user.username)
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.evaluate(
        "const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        "document.body.appendChild(s)"
    )
    page.wait_for_function("() => window.__cspCount >= 2")  # the events come asynchronously
    assert page.evaluate("window.x") is None  # the inline script did not run
    kinds = " ".join(browsers.csp_violations)
    assert "style-src" in kinds and "script-src" in kinds, browsers.csp_violations
