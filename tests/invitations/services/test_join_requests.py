"""Deciding join requests (services.join_requests), called directly."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from invitations import services
from invitations.models import JoinRequestStatus
from roles.models import Membership, Person, Role

from ..helpers import pending_request, roster_member

# --- deciding join requests -------------------------------------------------------------------


def test_approving_by_matching_gives_the_roster_person_the_login_and_the_membership(
    klass, admin_user
):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    join_request = pending_request(klass, admin_user)

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
    join_request = pending_request(klass, admin_user, Role.PARENT, email="anna@example.org")

    membership = services.approve_join_request(join_request=join_request, by=admin_user)

    membership.refresh_from_db()
    person = membership.person
    assert person.user == join_request.user
    assert (person.last_name, person.first_name, person.kind) == ("Лебедев", "Павел", "parent")
    assert person.email == "anna@example.org"
    assert (membership.unit, membership.role) == (klass, Role.PARENT)
    assert membership.joined_at is not None


def test_approving_returns_the_membership_as_stored(klass, admin_user):
    join_request = pending_request(klass, admin_user)

    membership = services.approve_join_request(join_request=join_request, by=admin_user)

    assert membership.joined_at is not None
    assert membership.joined_at == Membership.objects.get(pk=membership.pk).joined_at


def test_a_rejection_needs_a_reason(klass, admin_user):
    join_request = pending_request(klass, admin_user)
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
    join_request = pending_request(klass, admin_user)
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
    join_request = pending_request(klass, admin_user)
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
    approved = pending_request(klass, admin_user, Role.PARENT, email="a@example.org")
    rejected = pending_request(klass, admin_user, Role.PARENT, email="r@example.org")
    silent = pending_request(klass, admin_user, Role.STUDENT)

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_join_request(join_request=approved, by=admin_user)
        services.reject_join_request(join_request=rejected, by=admin_user, reason="Чужой класс")
        services.approve_join_request(join_request=silent, by=admin_user)

    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "r@example.org"]
    rejection = next(m for m in mail.outbox if m.to == ["r@example.org"])
    assert "Чужой класс" in rejection.body
