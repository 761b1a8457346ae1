"""Personal links nobody can abuse (issue 12, item 6): whom `create_invitation(person=...)`
accepts (DESIGN §4: a person outside the creator's reach is refused with `NotAllowed`), and that
a personal family link never signs anybody in as an existing login."""

import pytest

from invitations import selectors, services
from invitations.models import Invitation
from roles import services as roles_services
from roles.errors import NotAllowed
from roles.models import AuditEvent, Membership, Role, UnitKind

from ...factories import UserFactory, make_member, make_unit
from ..helpers import issue, roster_member


@pytest.fixture
def other_class(institution):
    return make_unit(institution, UnitKind.CLASS, "3Б", academic_year="2026/2027")


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_a_teacher_issues_links_for_their_own_class(klass, teacher, role):
    person = roster_member(klass, role)
    invitation, _token = issue(klass, role, teacher.user, person=person)
    assert invitation.person == person
    event = AuditEvent.objects.get(action="invitation.create")
    assert (event.actor, event.data["person"]) == (teacher.user, person.pk)


def test_a_teacher_cannot_issue_one_for_another_classs_student(klass, other_class, teacher):
    stranger = roster_member(other_class, Role.STUDENT)
    with pytest.raises(NotAllowed):
        issue(klass, Role.STUDENT, teacher.user, person=stranger)
    with pytest.raises(NotAllowed):  # nor into the class the teacher does not teach
        issue(other_class, Role.STUDENT, teacher.user, person=stranger)
    assert not Invitation.objects.exists()


def test_a_teacher_cannot_issue_one_for_somebody_not_on_the_class_roster(
    institution, klass, teacher
):
    from ...factories import make_person

    loose = make_person(institution)  # on the roster, in no class
    with pytest.raises(NotAllowed):
        issue(klass, Role.STUDENT, teacher.user, person=loose)


def test_a_teacher_cannot_issue_one_for_a_joined_person(klass, teacher):
    marked = roster_member(klass, Role.STUDENT)
    roles_services.mark_joined(memberships=Membership.objects.filter(person=marked))
    with pytest.raises(NotAllowed):
        issue(klass, Role.STUDENT, teacher.user, person=marked)

    with_login = roster_member(klass, Role.STUDENT)
    roles_services.update_person(
        person=with_login, by=None, user=services.passwordless_user(first_name="А", last_name="Б")
    )
    with pytest.raises(NotAllowed):
        issue(klass, Role.STUDENT, teacher.user, person=with_login)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("password", [True, False])
def test_nobody_issues_a_personal_family_link_for_a_person_with_a_login(
    institution, klass, admin_user, director_user, password
):
    person = roster_member(klass, Role.PARENT)
    user = UserFactory() if password else services.passwordless_user(first_name="А", last_name="Б")
    roles_services.update_person(person=person, by=None, user=user)
    for by in (admin_user, director_user):
        with pytest.raises(NotAllowed):
            issue(klass, Role.PARENT, by, person=person)
    assert not Invitation.objects.exists()


def test_an_admins_link_for_a_person_who_joined_since_signs_nobody_in_as_them(
    institution, klass, admin_user
):
    person = roster_member(klass, Role.STUDENT)
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=person)
    # The student joined another way (a class link) before the personal link was used.
    login = services.passwordless_user(first_name="А", last_name="Б")
    roles_services.update_person(person=person, by=None, user=login)

    with pytest.raises(services.InvitationPersonHasLogin):
        services.join_by_personal_link(token=token)
    person.refresh_from_db()
    assert person.user == login
    # The login itself, signed in on its own device, may still use its link.
    membership = services.accept_invitation(token=token, user=login)
    assert membership.person == person


def test_the_bulk_sheet_skips_people_with_a_login(klass, teacher):
    waiting = roster_member(klass, Role.STUDENT, last_name="Ждущий")
    joined = roster_member(klass, Role.STUDENT, last_name="Вошедший")
    roles_services.update_person(
        person=joined, by=None, user=services.passwordless_user(first_name="В", last_name="В")
    )
    issued = services.issue_personal_links(unit=klass, role=Role.STUDENT, created_by=teacher.user)
    assert [link.person for link in issued] == [waiting]


def test_the_teacher_is_offered_only_the_people_of_their_classes_who_wait(
    institution, klass, other_class, teacher
):
    waiting = roster_member(klass, Role.PARENT, last_name="Ждущая")
    roster_member(other_class, Role.STUDENT, last_name="Чужой")
    marked = roster_member(klass, Role.STUDENT, last_name="Отмеченный")
    roles_services.mark_joined(memberships=Membership.objects.filter(person=marked))
    make_member(institution, Role.STUDENT, klass)  # has a login
    left = roster_member(klass, Role.STUDENT, last_name="Ушедший")
    roles_services.leave(person=left, effective_date=institution.local_today())

    offered = selectors.people_for_personal_links(teacher.user, institution)

    assert list(offered) == [waiting]
    # A teacher who is not verified is offered nobody.
    unverified = make_member(institution, Role.TEACHER, klass)
    assert list(selectors.people_for_personal_links(unverified.user, institution)) == []
