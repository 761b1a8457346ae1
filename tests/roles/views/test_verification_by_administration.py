"""Issue 13, item 1 (regulation 2.2.4): the director and the deputies confirm (and reject) a
teacher's «учитель» status like the admin — the one service, one e-mail and one audit row
whichever page the decision came from; the queue shows what to check."""

import pytest
from django.core import mail
from django.urls import reverse

from roles import services
from roles.models import AuditEvent, Membership, Role, UnitKind, Verification

from ...conftest import login
from ...factories import START, make_member, make_unit


@pytest.fixture
def waiting(institution, klass, department):
    """A teacher of «3А» and the department, waiting for their status, with an e-mail."""
    person = make_member(institution, Role.TEACHER, klass)
    services.enrol(person=person, unit=department, role=Role.TEACHER, effective_date=START)
    services.update_person(person=person, by=None, email="wait@example.org")
    return person


def _decisions(person):
    return list(
        AuditEvent.objects.filter(
            object_id=str(person.pk), action__startswith="teacher."
        ).values_list("action", flat=True)
    )


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY])
def test_the_administration_confirms_from_the_queue(
    institution, waiting, role, django_capture_on_commit_callbacks
):
    decider = make_member(institution, role).user
    client = login(decider)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invitations:verify", args=[institution.pk, waiting.pk]),
            {"approve": "1", "note": ""},
        )
    assert response.status_code == 302
    assert set(
        Membership.objects.filter(person=waiting).values_list("verification", flat=True)
    ) == {Verification.VERIFIED}
    assert Membership.objects.filter(person=waiting).first().verified_by == decider
    assert _decisions(waiting) == ["teacher.verify"]
    assert [m.to for m in mail.outbox] == [["wait@example.org"]]
    who = {Role.DIRECTOR: "(директор)", Role.DEPUTY: "(заместитель директора)"}[role]
    assert who in mail.outbox[0].body


def test_the_person_page_decides_by_the_same_service(
    institution, waiting, django_capture_on_commit_callbacks
):
    """The person's card used to record the status without telling the teacher: now the
    decision is the queue's, e-mail and audit row included."""
    director = make_member(institution, Role.DIRECTOR).user
    with django_capture_on_commit_callbacks(execute=True):
        response = login(director).post(
            reverse("roles:verify_teacher", args=[institution.pk, waiting.pk]),
            {"approve": "0", "note": "Нет в Учительской"},
        )
    assert response.status_code == 302
    assert set(
        Membership.objects.filter(person=waiting).values_list("verification", flat=True)
    ) == {Verification.REJECTED}
    assert _decisions(waiting) == ["teacher.reject"]
    assert len(mail.outbox) == 1
    assert "Нет в Учительской" in mail.outbox[0].body


def test_nobody_decides_their_own_status(institution, django_capture_on_commit_callbacks):
    deputy = make_member(institution, Role.DEPUTY)
    services.enrol(
        person=deputy,
        unit=make_unit(institution, UnitKind.CLASS, "5А", academic_year="2026/2027"),
        role=Role.TEACHER,
        effective_date=START,
    )
    response = login(deputy.user).post(
        reverse("invitations:verify", args=[institution.pk, deputy.pk]), {"approve": "1"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(person=deputy, role=Role.TEACHER).verification == (
        Verification.PENDING
    )
    assert _decisions(deputy) == []


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT, Role.PARENT])
def test_others_may_not_decide(institution, klass, waiting, role):
    user = make_member(institution, role, klass, verified=role == Role.TEACHER).user
    response = login(user).post(
        reverse("invitations:verify", args=[institution.pk, waiting.pk]), {"approve": "1"}
    )
    assert response.status_code == 403
    assert _decisions(waiting) == []


def test_the_queue_shows_units_classes_the_date_and_what_to_check(
    institution, klass, department, waiting
):
    membership = Membership.objects.get(person=waiting, unit=klass)
    services.mark_joined(memberships=[membership])
    membership.refresh_from_db()
    director = make_member(institution, Role.DIRECTOR).user
    response = login(director).get(reverse("invitations:verification", args=[institution.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert waiting.full_name in html
    assert "3А (2026/2027)" in html
    assert "Художественный отдел" in html
    assert 'id="verification-checklist"' in html
    joined = membership.joined_at.astimezone(institution.tzinfo).strftime("%d.%m.%Y")
    assert joined in html


def test_the_director_finds_the_queue_on_the_dashboard_and_in_the_menu(institution, waiting):
    director = make_member(institution, Role.DIRECTOR).user
    html = login(director).get(reverse("home")).content.decode()
    queue = reverse("invitations:verification", args=[institution.pk])
    assert 'id="card-verification"' in html
    assert html.count(f'href="{queue}"') == 2  # the card and the menu item
    teacher = make_member(institution, Role.TEACHER, verified=True).user
    assert queue not in login(teacher).get(reverse("home")).content.decode()
