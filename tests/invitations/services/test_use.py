"""Using a link (services.use): every status, whose link it is, and asking to join by a
class link, called directly."""

import contextlib

import pytest
from django.core.exceptions import ValidationError

from invitations import services
from invitations.models import InvitationUse, JoinRequest, JoinRequestStatus, RevokeReason, Status
from roles import services as roles_services
from roles.errors import NotAllowed
from roles.models import Membership, Role, UnitKind

from ...factories import UserFactory, make_member, make_unit
from ..helpers import issue, make_expired, roster_member

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
    # Refused when issued (a sign-in link is the way for somebody with a login) ...
    with pytest.raises(NotAllowed):
        issue(klass, Role.PARENT, admin_user, person=parent)
    # ... and refused when used, if the person got a login after the link was issued.
    other = roster_member(klass, Role.PARENT)
    _invitation, token = issue(klass, Role.PARENT, admin_user, person=other)
    roles_services.update_person(person=other, by=None, user=UserFactory())
    with pytest.raises(services.InvitationPersonHasLogin):
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
