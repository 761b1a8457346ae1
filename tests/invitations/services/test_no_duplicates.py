"""One person, one roster row (DESIGN §5) in the ways in: approving a join request and joining
by a class-wide link look for the person already on the roster before anyone is created."""

import pytest

from invitations import selectors, services
from invitations.models import JoinRequest, JoinRequestStatus
from roles import services as roles_services
from roles.errors import RuleBroken
from roles.models import AuditEvent, Membership, Person, PersonKind, Role

from ...factories import UserFactory, make_person
from ..helpers import issue, pending_request, roster_member


def people_named(institution, last_name):
    return Person.objects.filter(institution=institution, last_name=last_name)


# --- approving a join request --------------------------------------------------------------------


def test_the_namesake_of_the_class_is_the_match(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT, last_name="Семёнов", first_name="Артём")
    roster_member(klass, Role.STUDENT, last_name="Семёнов", first_name="Пётр")
    join_request = pending_request(klass, admin_user, last_name="семенов ", first_name=" АРТЕМ")

    assert selectors.name_matches(join_request) == [student]


def test_approving_a_matching_request_as_new_needs_an_explicit_choice(
    institution, klass, admin_user
):
    roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    join_request = pending_request(klass, admin_user)

    with pytest.raises(RuleBroken):
        services.approve_join_request(join_request=join_request, by=admin_user)
    assert people_named(institution, "Лебедев").count() == 1
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING

    services.approve_join_request(join_request=join_request, by=admin_user, as_new=True)
    assert people_named(institution, "Лебедев").count() == 2  # a namesake, on purpose


def test_approving_a_matching_request_creates_no_second_person(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    join_request = pending_request(klass, admin_user)

    services.approve_join_request(join_request=join_request, by=admin_user, person=student)

    assert list(people_named(institution, "Лебедев")) == [student]
    student.refresh_from_db()
    assert student.user == join_request.user


def test_without_a_namesake_a_new_person_needs_no_confirmation(institution, klass, admin_user):
    roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Пётр")
    join_request = pending_request(klass, admin_user)  # Лебедев Павел
    services.approve_join_request(join_request=join_request, by=admin_user)
    assert people_named(institution, "Лебедев").count() == 2


def test_a_student_who_lost_the_session_comes_back_through_a_request(
    institution, klass, admin_user
):
    """Joined, lost the phone, opened the class link again: the request points at the same
    person, and approving it moves the person to the new passwordless login."""
    _link, token = issue(klass, Role.STUDENT, admin_user, max_uses=None)
    old_user, first = services.request_as_guest(
        token=token, user=None, last_name="Лебедев", first_name="Павел"
    )
    services.approve_join_request(join_request=first, by=admin_user)
    person = Person.objects.get(last_name="Лебедев")
    assert person.user == old_user
    new_user, again = services.request_as_guest(
        token=token, user=None, last_name="Лебедев", first_name="Павел"
    )
    assert selectors.name_matches(again) == [person]

    services.approve_join_request(join_request=again, by=admin_user, person=person)

    assert list(people_named(institution, "Лебедев")) == [person]
    person.refresh_from_db()
    assert person.user == new_user != old_user
    relink = AuditEvent.objects.get(action="person.relink")
    assert relink.data["old_user"] == old_user.pk


def test_a_login_with_a_password_is_never_replaced(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    roles_services.update_person(person=student, by=None, user=UserFactory())
    join_request = pending_request(klass, admin_user)
    with pytest.raises(RuleBroken):
        services.approve_join_request(join_request=join_request, by=admin_user, person=student)


# --- a class link without approval -------------------------------------------------------------


@pytest.fixture
def open_link(klass, admin_user):
    """A link for the whole class that lets students in without the administrator."""
    _invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None, needs_approval=False)
    return token


def join(token, user=None, last_name="Лебедев", first_name="Павел"):
    return services.request_as_guest(
        token=token, user=user, last_name=last_name, first_name=first_name
    )


def test_the_roster_person_who_has_not_joined_is_linked(institution, klass, open_link):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    user, membership = join(open_link)
    assert membership.person == student
    student.refresh_from_db()
    assert student.user == user


def test_a_rejoin_by_the_class_link_creates_no_second_person(institution, klass, open_link):
    user, membership = join(open_link)  # nobody of that name: a new person
    person = membership.person

    # The session is lost: the same name from a new device.
    new_user, result = join(open_link)

    assert isinstance(result, JoinRequest)
    assert result.person == person
    assert result.user == new_user
    assert list(people_named(institution, "Лебедев")) == [person]
    person.refresh_from_db()
    assert person.user == user  # nobody is signed in as them without the administrator


def test_a_person_marked_joined_is_not_claimed_by_a_name(institution, klass, open_link):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    roles_services.mark_joined(memberships=Membership.objects.filter(person=student))
    _user, result = join(open_link)
    assert isinstance(result, JoinRequest) and result.person == student
    student.refresh_from_db()
    assert student.user is None


def test_namesakes_make_a_request_too(institution, klass, open_link):
    roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    _user, result = join(open_link)
    assert isinstance(result, JoinRequest) and result.person is None
    assert people_named(institution, "Лебедев").count() == 2


def test_the_same_session_joining_again_is_still_one_person(institution, klass, open_link):
    user, first = join(open_link)
    _same, second = join(open_link, user=user)
    assert second.person == first.person
    assert people_named(institution, "Лебедев").count() == 1


def test_a_namesake_outside_the_class_is_not_matched(institution, klass, open_link):
    make_person(institution, kind=PersonKind.STUDENT, last_name="Лебедев", first_name="Павел")
    _user, membership = join(open_link)
    assert isinstance(membership, Membership)  # outside the class: the duplicates page's job
