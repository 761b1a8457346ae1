"""Issuing links (services.links): tokens, the role and unit-kind rules, expiry, uses,
personal links and e-mail, called directly."""

import base64
import datetime as dt
import hashlib
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from invitations import services
from invitations.models import Invitation, InvitationPolicy, Status
from roles import services as roles_services
from roles.models import AuditEvent, Membership, Role, UnitKind

from ...factories import UserFactory, make_institution, make_member, make_person, make_unit
from ..helpers import all_table_values, issue, roster_member


def test_create_returns_the_invitation_and_a_url_safe_token_of_128_bits_or_more(klass, admin_user):
    invitation, token = services.create_invitation(
        unit=klass, role=Role.TEACHER, created_by=admin_user
    )

    assert isinstance(invitation, Invitation) and invitation.pk
    assert isinstance(token, str)
    assert len(token) >= 22
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128
    assert (invitation.unit, invitation.role, invitation.created_by) == (
        klass,
        Role.TEACHER,
        admin_user,
    )
    assert invitation.max_uses == 1
    assert invitation.status == Status.ACTIVE


def test_every_token_is_new(klass, admin_user):
    tokens = {issue(klass, Role.TEACHER, admin_user)[1] for _ in range(20)}
    assert len(tokens) == 20


def test_only_the_sha256_of_the_token_is_stored(klass, admin_user):
    invitation, token = issue(klass, Role.PARENT, admin_user, email="mother@example.org")

    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == services.hash_token(token)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    for row in Invitation.objects.values():
        assert all(token not in str(value) for value in row.values())
    assert token not in all_table_values()
    assert services.find_invitation(token) == invitation


def test_the_raw_token_is_in_no_table_after_a_link_is_used(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    services.accept_invitation(token=token, user=UserFactory())
    class_link, class_token = issue(klass, Role.PARENT, admin_user, max_uses=None)
    services.request_to_join(
        token=class_token,
        user=UserFactory(),
        last_name="Сидорова",
        first_name="Анна",
        child_name="Сидоров Пётр",
        email="anna@example.org",
    )

    dump = all_table_values()
    assert invitation.token_hash in dump  # the dump does read the invitations table
    assert token not in dump
    assert class_token not in dump


# --- role and unit-kind rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role", "allowed"),
    [
        (UnitKind.STAFF_ROOM, Role.TEACHER, True),
        (UnitKind.STAFF_ROOM, Role.DEPUTY, True),
        (UnitKind.STAFF_ROOM, Role.DIRECTOR, True),
        (UnitKind.STAFF_ROOM, Role.STUDENT, False),
        (UnitKind.STAFF_ROOM, Role.PARENT, False),
        (UnitKind.STAFF_ROOM, Role.ADMIN, False),
        (UnitKind.DEPARTMENT, Role.TEACHER, True),
        (UnitKind.DEPARTMENT, Role.STUDENT, False),
        (UnitKind.DEPARTMENT, Role.PARENT, False),
        (UnitKind.CLASS, Role.TEACHER, True),
        (UnitKind.CLASS, Role.STUDENT, True),
        (UnitKind.CLASS, Role.PARENT, True),
        (UnitKind.CLASS, Role.DIRECTOR, False),
        (UnitKind.CLASS, Role.ADMIN, False),
    ],
)
def test_the_role_must_fit_the_kind_of_unit(institution, director_user, kind, role, allowed):
    unit = (
        roles_services.staff_room(institution)
        if kind == UnitKind.STAFF_ROOM
        else make_unit(institution, kind)
    )
    if allowed:
        invitation, _token = issue(unit, role, director_user)
        assert invitation.role == role
    else:
        with pytest.raises(ValidationError):
            issue(unit, role, director_user)
        assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY])
def test_only_the_director_issues_director_and_deputy_links(
    staff_room, admin_user, director_user, role
):
    with pytest.raises(ValidationError):
        issue(staff_room, role, admin_user)
    invitation, _token = issue(staff_room, role, director_user)
    assert invitation.created_by == director_user


def test_an_admin_issues_teacher_links_into_the_staff_room(staff_room, admin_user):
    invitation, _token = issue(staff_room, Role.TEACHER, admin_user)
    assert invitation.unit == staff_room


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_a_verified_teacher_issues_student_and_parent_links_for_their_own_class(
    klass, teacher, role
):
    invitation, _token = issue(klass, role, teacher.user)
    assert invitation.created_by == teacher.user


def test_a_verified_teacher_may_not_issue_links_for_another_class(institution, teacher):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    with pytest.raises(ValidationError):
        issue(other, Role.STUDENT, teacher.user)


def test_a_teacher_may_not_issue_teacher_links(klass, staff_room, teacher):
    with pytest.raises(ValidationError):
        issue(klass, Role.TEACHER, teacher.user)
    with pytest.raises(ValidationError):
        issue(staff_room, Role.TEACHER, teacher.user)


@pytest.mark.parametrize("decision", ["pending", "rejected"])
def test_a_teacher_not_verified_may_not_issue_links(institution, klass, decision):
    person = make_member(institution, Role.TEACHER, klass)
    if decision == "rejected":
        roles_services.decide_teacher_verification(
            person=person, by=None, approve=False, note="нет в списке"
        )
    assert Membership.objects.get(person=person).verification == decision
    with pytest.raises(ValidationError):
        issue(klass, Role.STUDENT, person.user)
    assert not Invitation.objects.exists()


def test_students_and_parents_issue_no_links(institution, klass):
    student = make_member(institution, Role.STUDENT, klass)
    parent = make_member(institution, Role.PARENT, klass)
    for user in (student.user, parent.user, UserFactory()):
        with pytest.raises(ValidationError):
            issue(klass, Role.STUDENT, user)


def test_an_admin_of_another_institution_issues_no_links_here(klass):
    other = make_institution()
    stranger = make_member(other, Role.ADMIN).user
    with pytest.raises(ValidationError):
        issue(klass, Role.TEACHER, stranger)


def test_no_links_into_an_archived_unit(institution, admin_user):
    unit = make_unit(institution, UnitKind.CLASS, "9В")
    roles_services.archive_unit(unit=unit, by=admin_user)
    unit.refresh_from_db()
    with pytest.raises(ValidationError):
        issue(unit, Role.STUDENT, admin_user)


# --- expiry, uses, personal links, e-mail ------------------------------------------------------


def test_the_default_expiry_is_seven_days(klass, admin_user):
    before = timezone.now()
    invitation, _token = issue(klass, Role.TEACHER, admin_user)
    after = timezone.now()
    assert before + dt.timedelta(days=7) <= invitation.expires_at <= after + dt.timedelta(days=7)


def test_the_institution_sets_its_own_default_expiry(institution, klass, admin_user):
    InvitationPolicy.objects.create(institution=institution, default_ttl_days=30)
    invitation, _token = issue(klass, Role.TEACHER, admin_user)
    days = (invitation.expires_at - invitation.created_at) / dt.timedelta(days=1)
    assert days == pytest.approx(30, abs=0.01)


@pytest.mark.parametrize(
    "delta",
    [dt.timedelta(minutes=-1), dt.timedelta(0), dt.timedelta(days=90, minutes=1)],
    ids=["past", "now", "over-90-days"],
)
def test_expiry_must_be_in_the_future_and_at_most_90_days_away(klass, admin_user, delta):
    with pytest.raises(ValidationError):
        issue(klass, Role.TEACHER, admin_user, expires_at=timezone.now() + delta)
    assert not Invitation.objects.exists()


def test_ninety_days_is_allowed(klass, admin_user):
    expires = timezone.now() + dt.timedelta(days=90) - dt.timedelta(seconds=5)
    invitation, _token = issue(klass, Role.TEACHER, admin_user, expires_at=expires)
    assert invitation.expires_at == expires


def test_max_uses_below_one_is_refused(klass, admin_user):
    with pytest.raises(ValidationError):
        issue(klass, Role.TEACHER, admin_user, max_uses=0)


def test_unlimited_links_have_no_maximum(klass, admin_user):
    invitation, _token = issue(klass, Role.PARENT, admin_user, max_uses=None)
    assert invitation.max_uses is None
    assert invitation.needs_approval is True


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_a_personal_link_is_always_single_use(klass, admin_user, role):
    person = roster_member(klass, role)
    invitation, _token = issue(klass, role, admin_user, person=person, max_uses=25)
    assert invitation.max_uses == 1
    assert invitation.person == person
    assert invitation.needs_approval is False


def test_a_personal_link_must_fit_the_persons_kind(klass, admin_user):
    student = roster_member(klass, Role.STUDENT)
    with pytest.raises(ValidationError):
        issue(klass, Role.PARENT, admin_user, person=student)


def test_a_personal_link_for_a_person_of_another_institution_is_refused(klass, admin_user):
    stranger = make_person(make_institution())
    with pytest.raises(ValidationError):
        issue(klass, Role.STUDENT, admin_user, person=stranger)


def test_a_personal_link_for_somebody_who_left_is_refused(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT)
    roles_services.leave(person=student, effective_date=institution.local_today())
    student.refresh_from_db()
    with pytest.raises(ValidationError):
        issue(klass, Role.STUDENT, admin_user, person=student)


def test_no_email_is_kept_for_student_links(klass, admin_user):
    with pytest.raises(ValidationError):
        issue(klass, Role.STUDENT, admin_user, email="kid@example.org")
    assert not Invitation.objects.exists()


def test_an_invitation_with_an_email_is_sent_once_committed(
    klass, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = issue(klass, Role.PARENT, admin_user, email="mother@example.org")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mother@example.org"]
    assert f"/invite/{token}/" in message.body
    invitation.refresh_from_db()
    assert invitation.last_sent_at is not None
    assert AuditEvent.objects.filter(action="invitation.send", object_id=str(invitation.pk))


def test_a_link_without_email_sends_nothing(klass, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue(klass, Role.TEACHER, admin_user)
    assert mail.outbox == []
