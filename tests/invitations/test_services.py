"""The contract's service functions and the rules behind them, called directly."""

import base64
import contextlib
import datetime as dt
import hashlib
import inspect
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from invitations import services
from invitations.models import (
    Invitation,
    InvitationPolicy,
    InvitationUse,
    JoinRequest,
    JoinRequestStatus,
    RevokeReason,
    Status,
)
from roles import services as roles_services
from roles.models import AuditEvent, Membership, Person, Role, UnitKind, Verification

from ..factories import UserFactory, make_institution, make_member, make_person, make_unit
from .helpers import all_table_values, issue, make_expired, roster_member

EMPTY = inspect.Parameter.empty
KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY


# --- the contract -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "parameters"),
    [
        (
            services.create_invitation,
            {
                "unit": EMPTY,
                "role": EMPTY,
                "created_by": EMPTY,
                "expires_at": None,
                "max_uses": 1,
                "email": "",
            },
        ),
        (services.accept_invitation, {"token": EMPTY, "user": EMPTY}),
        (services.revoke_invitation, {"invitation": EMPTY, "by": EMPTY}),
        (services.expire_invitations, {"now": None}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_signatures_are_keyword_only_as_the_contract_says(function, parameters):
    signature = inspect.signature(function)
    for name, default in parameters.items():
        parameter = signature.parameters[name]
        assert parameter.kind is KEYWORD_ONLY, name
        assert parameter.default == default, name
    # Nothing positional; anything beyond the contract is optional.
    for name, parameter in signature.parameters.items():
        assert parameter.kind is KEYWORD_ONLY
        if name not in parameters:
            assert parameter.default is not EMPTY, name


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


# --- every status through the service ---------------------------------------------------------


def test_accepting_an_active_link_makes_a_joined_membership_and_records_the_use(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    user = UserFactory(first_name="Мария", last_name="Иванова")

    membership = services.accept_invitation(token=token, user=user)

    assert isinstance(membership, Membership)
    assert membership.person.user == user
    assert (membership.unit, membership.role) == (klass, Role.TEACHER)
    assert membership.joined_at is not None
    assert membership.person.full_name == "Иванова Мария"
    invitation.refresh_from_db()
    assert invitation.uses_count == 1
    assert invitation.status == Status.USED_UP
    use = InvitationUse.objects.get(invitation=invitation)
    assert (use.user, use.person, use.membership) == (user, membership.person, membership)


def test_a_used_up_link_is_refused(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    services.accept_invitation(token=token, user=UserFactory())

    with pytest.raises(services.InvitationUsedUp):
        services.accept_invitation(token=token, user=UserFactory())
    invitation.refresh_from_db()
    assert invitation.uses_count == 1


def test_a_link_of_several_uses_works_that_many_times(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user, max_uses=3)
    for _ in range(3):
        services.accept_invitation(token=token, user=UserFactory())
    with pytest.raises(services.InvitationUsedUp):
        services.accept_invitation(token=token, user=UserFactory())
    assert Membership.objects.filter(unit=klass, role=Role.TEACHER).count() == 3


def test_an_expired_link_is_refused_without_any_job_having_run(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    make_expired(invitation)

    assert invitation.expiry_recorded_at is None
    assert invitation.status == Status.EXPIRED
    with pytest.raises(services.InvitationExpired):
        services.accept_invitation(token=token, user=UserFactory())
    assert not Membership.objects.filter(unit=klass).exists()


def test_a_revoked_link_is_refused(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)

    assert services.revoke_invitation(invitation=invitation, by=admin_user) is None

    invitation.refresh_from_db()
    assert invitation.status == Status.REVOKED
    assert invitation.revoked_at is not None
    assert (invitation.revoked_by, invitation.revoke_reason) == (admin_user, RevokeReason.MANUAL)
    with pytest.raises(services.InvitationRevoked):
        services.accept_invitation(token=token, user=UserFactory())


def test_an_unknown_token_is_not_found(db):
    with pytest.raises(services.InvitationNotFound):
        services.accept_invitation(token=services.new_token(), user=UserFactory())


def test_revoking_twice_records_one_revocation(klass, admin_user):
    invitation, _token = issue(klass, Role.TEACHER, admin_user)
    services.revoke_invitation(invitation=invitation, by=admin_user)
    first = invitation.revoked_at
    services.revoke_invitation(invitation=invitation, by=admin_user)

    invitation.refresh_from_db()
    assert invitation.revoked_at == first
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1


def test_a_teacher_may_not_revoke_somebody_elses_link(klass, admin_user, teacher):
    invitation, _token = issue(klass, Role.STUDENT, admin_user)
    with pytest.raises(ValidationError):
        services.revoke_invitation(invitation=invitation, by=teacher.user)
    invitation.refresh_from_db()
    assert invitation.status == Status.ACTIVE


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


# --- accepting: whose link it is ---------------------------------------------------------------


def test_a_personal_link_binds_the_roster_person_to_the_login(klass, admin_user):
    student = roster_member(klass, Role.STUDENT, last_name="Орлова", first_name="Вера")
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=student)

    user, membership = services.join_by_personal_link(token=token)

    student.refresh_from_db()
    assert student.user == user
    assert not user.has_usable_password()
    assert membership.person == student
    assert membership.joined_at is not None
    # The roster membership is reused, not duplicated.
    assert Membership.objects.filter(person=student, unit=klass).count() == 1


def test_a_newcomer_gets_an_account_and_the_membership_together(staff_room, admin_user):
    _invitation, token = issue(staff_room, Role.TEACHER, admin_user)

    user, membership = services.join_with_new_account(
        token=token,
        username="smirnova",
        password="Kx9-long-pass",
        first_name="Ольга",
        last_name="Смирнова",
        email="olga@example.org",
    )

    assert user.check_password("Kx9-long-pass")
    assert (membership.person.user, membership.unit, membership.role) == (
        user,
        staff_room,
        Role.TEACHER,
    )
    assert membership.person.email == "olga@example.org"


@pytest.mark.parametrize("state", ["used_up", "passwordless"])
def test_no_account_is_left_behind_when_joining_fails(klass, admin_user, state):
    if state == "used_up":
        _invitation, token = issue(klass, Role.TEACHER, admin_user)
        services.accept_invitation(token=token, user=UserFactory())
        error = services.InvitationUsedUp
    else:
        _invitation, token = issue(klass, Role.PARENT, admin_user, needs_approval=False)
        error = services.InvitationNotForYou

    with pytest.raises(error):
        services.join_with_new_account(
            token=token,
            username="ghost",
            password="Kx9-long-pass",
            first_name="Г",
            last_name="Х",
            email="ghost@example.org",
        )
    assert not type(admin_user).objects.filter(username="ghost").exists()


def test_a_personal_link_of_another_person_is_not_for_you(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT)
    other = make_member(institution, Role.STUDENT, klass)
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=student)

    with pytest.raises(services.InvitationNotForYou):
        services.accept_invitation(token=token, user=other.user)
    student.refresh_from_db()
    assert student.user is None


def test_a_personal_link_is_no_key_to_an_account_with_a_password(institution, klass, admin_user):
    parent = make_member(institution, Role.PARENT, klass)  # has a login with a password
    _invitation, token = issue(klass, Role.PARENT, admin_user, person=parent)
    with pytest.raises(services.InvitationNotForYou):
        services.join_by_personal_link(token=token)


def test_a_student_login_cannot_take_a_teacher_link(institution, klass, admin_user):
    student = make_member(institution, Role.STUDENT, klass)
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    with pytest.raises(services.InvitationNotForYou):
        services.accept_invitation(token=token, user=student.user)


def test_using_a_link_twice_with_the_same_login_spends_one_use(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user, max_uses=3)
    user = UserFactory()
    services.accept_invitation(token=token, user=user)

    with contextlib.suppress(services.InvitationError, ValidationError):
        services.accept_invitation(token=token, user=user)

    invitation.refresh_from_db()
    assert invitation.uses_count == 1
    assert Membership.objects.filter(person__user=user, unit=klass).count() == 1


def test_a_personal_link_does_not_bring_a_transferred_student_back(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT)
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=student)
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    roles_services.transfer(
        person=student,
        from_unit=klass,
        to_unit=other,
        effective_date=institution.local_today(),
        by=admin_user,
    )

    with contextlib.suppress(services.InvitationError, ValidationError):
        services.join_by_personal_link(token=token)

    assert not Membership.objects.filter(person=student, unit=klass, end_date__isnull=True).exists()
    assert Membership.objects.get(person=student, end_date__isnull=True).unit == other


def test_a_class_link_needing_approval_cannot_be_accepted_directly(klass, admin_user):
    _invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None)
    with pytest.raises(services.InvitationNeedsRequest):
        services.accept_invitation(token=token, user=UserFactory())


# --- join requests -----------------------------------------------------------------------------


def test_a_class_link_with_approval_makes_a_pending_request(klass, admin_user):
    invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None)
    user = UserFactory()

    result = services.request_to_join(
        token=token, user=user, last_name="Кузнецов", first_name="Олег", email="x@example.org"
    )

    assert isinstance(result, JoinRequest)
    assert result.status == JoinRequestStatus.PENDING
    assert (result.unit, result.role, result.user) == (klass, Role.STUDENT, user)
    assert result.email == ""  # nothing but the name is kept about a student
    assert not Membership.objects.filter(unit=klass, person__user=user).exists()
    invitation.refresh_from_db()
    assert invitation.uses_count == 1
    assert InvitationUse.objects.get(invitation=invitation).join_request == result


def test_a_parent_must_give_the_childs_name(klass, admin_user):
    _invitation, token = issue(klass, Role.PARENT, admin_user, max_uses=None)
    with pytest.raises(ValidationError):
        services.request_to_join(
            token=token, user=UserFactory(), last_name="Сидорова", first_name="Анна"
        )
    assert not JoinRequest.objects.exists()


def test_a_class_link_without_approval_joins_at_once(klass, admin_user):
    _invitation, token = issue(klass, Role.PARENT, admin_user, max_uses=None, needs_approval=False)
    user = UserFactory()

    result = services.request_to_join(
        token=token,
        user=user,
        last_name="Сидорова",
        first_name="Анна",
        child_name="Сидоров Пётр",
        email="anna@example.org",
    )

    assert isinstance(result, Membership)
    assert (result.unit, result.role, result.person.user) == (klass, Role.PARENT, user)
    assert result.joined_at is not None
    assert not JoinRequest.objects.exists()


def test_a_class_link_without_approval_finds_the_roster_person_by_name(klass, admin_user):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    _invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None, needs_approval=False)
    user = UserFactory()

    membership = services.request_to_join(
        token=token, user=user, last_name="лебедев", first_name="павел"
    )

    student.refresh_from_db()
    assert membership.person == student
    assert student.user == user


def test_a_class_link_without_approval_does_not_hand_a_roster_person_to_a_partial_name(
    klass, admin_user
):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    _invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None, needs_approval=False)
    user = UserFactory()

    membership = services.request_to_join(
        token=token, user=user, last_name="Лебедев", first_name="П"
    )

    student.refresh_from_db()
    assert student.user is None
    assert membership.person != student


def test_a_parent_with_a_login_joins_a_second_class_by_a_link_without_approval(
    institution, klass, admin_user
):
    parent = make_member(institution, Role.PARENT, klass, joined=True)
    other = make_unit(institution, UnitKind.CLASS, "5Б")
    _invitation, token = issue(other, Role.PARENT, admin_user, max_uses=None, needs_approval=False)

    membership = services.request_to_join(
        token=token,
        user=parent.user,
        last_name=parent.last_name,
        first_name=parent.first_name,
        child_name="Петрова Оля",
    )

    assert membership.person == parent
    assert membership.unit == other


def _pending_request(klass, admin_user, role=Role.STUDENT, **fields):
    _invitation, token = issue(klass, role, admin_user, max_uses=None)
    fields.setdefault("last_name", "Лебедев")
    fields.setdefault("first_name", "Павел")
    if role == Role.PARENT:
        fields.setdefault("child_name", "Лебедева Ира")
    return services.request_to_join(token=token, user=UserFactory(), **fields)


def test_approving_by_matching_gives_the_roster_person_the_login_and_the_membership(
    klass, admin_user
):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    join_request = _pending_request(klass, admin_user)

    membership = services.approve_join_request(
        join_request=join_request, by=admin_user, person=student
    )

    student.refresh_from_db()
    join_request.refresh_from_db()
    membership.refresh_from_db()
    assert student.user == join_request.user
    assert membership.person == student
    assert membership.joined_at is not None
    assert Membership.objects.filter(person=student, unit=klass).count() == 1
    assert join_request.status == JoinRequestStatus.APPROVED
    assert (join_request.person, join_request.decided_by) == (student, admin_user)
    assert join_request.decided_at is not None


def test_approving_as_a_new_person_adds_them_to_the_roster(klass, admin_user):
    join_request = _pending_request(klass, admin_user, Role.PARENT, email="anna@example.org")

    membership = services.approve_join_request(join_request=join_request, by=admin_user)

    membership.refresh_from_db()
    person = membership.person
    assert person.user == join_request.user
    assert (person.last_name, person.first_name, person.kind) == ("Лебедев", "Павел", "parent")
    assert person.email == "anna@example.org"
    assert (membership.unit, membership.role) == (klass, Role.PARENT)
    assert membership.joined_at is not None


def test_approving_returns_the_membership_as_stored(klass, admin_user):
    join_request = _pending_request(klass, admin_user)

    membership = services.approve_join_request(join_request=join_request, by=admin_user)

    assert membership.joined_at is not None
    assert membership.joined_at == Membership.objects.get(pk=membership.pk).joined_at


def test_a_rejection_needs_a_reason(klass, admin_user):
    join_request = _pending_request(klass, admin_user)
    with pytest.raises(ValidationError):
        services.reject_join_request(join_request=join_request, by=admin_user, reason="  ")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING

    services.reject_join_request(join_request=join_request, by=admin_user, reason="Не из класса")
    join_request.refresh_from_db()
    assert (join_request.status, join_request.reason) == ("rejected", "Не из класса")
    assert join_request.decided_at is not None
    assert not Person.objects.filter(user=join_request.user).exists()


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_decided_request_cannot_be_decided_again(klass, admin_user, first, second):
    join_request = _pending_request(klass, admin_user)
    decide = {
        "approve": lambda: services.approve_join_request(join_request=join_request, by=admin_user),
        "reject": lambda: services.reject_join_request(
            join_request=join_request, by=admin_user, reason="нет"
        ),
    }
    decide[first]()
    join_request.refresh_from_db()
    decided = (join_request.status, join_request.decided_at)

    with pytest.raises(ValidationError):
        decide[second]()

    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_at) == decided


def test_only_admins_decide_requests(institution, klass, admin_user, director_user, teacher):
    join_request = _pending_request(klass, admin_user)
    for user in (director_user, teacher.user):
        with pytest.raises(ValidationError):
            services.approve_join_request(join_request=join_request, by=user)
        with pytest.raises(ValidationError):
            services.reject_join_request(join_request=join_request, by=user, reason="нет")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING


def test_decisions_are_emailed_when_an_address_is_known(
    klass, admin_user, django_capture_on_commit_callbacks
):
    approved = _pending_request(klass, admin_user, Role.PARENT, email="a@example.org")
    rejected = _pending_request(klass, admin_user, Role.PARENT, email="r@example.org")
    silent = _pending_request(klass, admin_user, Role.STUDENT)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_join_request(join_request=approved, by=admin_user)
        services.reject_join_request(join_request=rejected, by=admin_user, reason="Чужой класс")
        services.approve_join_request(join_request=silent, by=admin_user)

    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "r@example.org"]
    rejection = next(m for m in mail.outbox if m.to == ["r@example.org"])
    assert "Чужой класс" in rejection.body


# --- teacher verification ------------------------------------------------------------------------


def test_verifying_a_teacher_lets_them_issue_links_and_tells_them(
    institution, klass, admin_user, django_capture_on_commit_callbacks
):
    person = make_member(institution, Role.TEACHER, klass)
    roles_services.update_person(person=person, by=admin_user, email="t@example.org")
    with pytest.raises(ValidationError):
        issue(klass, Role.STUDENT, person.user)

    with django_capture_on_commit_callbacks(execute=True):
        services.decide_verification(person=person, by=admin_user, approve=True)

    assert Membership.objects.get(person=person).verification == Verification.VERIFIED
    assert [m.to for m in mail.outbox] == [["t@example.org"]]
    user = type(person.user).objects.get(pk=person.user.pk)  # fresh: no cached roles
    invitation, _token = issue(klass, Role.STUDENT, user)
    assert invitation.created_by == user


def test_only_admins_verify_teachers(institution, klass, director_user):
    person = make_member(institution, Role.TEACHER, klass)
    with pytest.raises(ValidationError):
        services.decide_verification(person=person, by=director_user, approve=True)
    assert Membership.objects.get(person=person).verification == Verification.PENDING


# --- audit ---------------------------------------------------------------------------------------


def test_every_step_is_audited(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    services.accept_invitation(token=token, user=UserFactory())
    revoked, _token = issue(klass, Role.TEACHER, admin_user)
    services.revoke_invitation(invitation=revoked, by=admin_user)
    approved = _pending_request(klass, admin_user)
    services.approve_join_request(join_request=approved, by=admin_user)
    rejected = _pending_request(klass, admin_user)
    services.reject_join_request(join_request=rejected, by=admin_user, reason="нет")

    def events(action, obj):
        return AuditEvent.objects.filter(
            action=action, object_id=str(obj.pk), institution=klass.institution
        )

    assert events("invitation.create", invitation).get().actor == admin_user
    assert events("invitation.accept", invitation).count() == 1
    assert events("invitation.revoke", revoked).get().actor == admin_user
    assert events("joinrequest.create", approved).count() == 1
    assert events("joinrequest.approve", approved).get().actor == admin_user
    reject = events("joinrequest.reject", rejected).get()
    assert reject.data["reason"] == "нет"
    # No audit row carries a token.
    assert token not in str(list(AuditEvent.objects.values()))
