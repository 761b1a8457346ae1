"""Deciding a teacher's status (services.verification), called directly."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from invitations import services
from roles import services as roles_services
from roles.models import Membership, Role, Verification

from ...factories import make_member
from ..helpers import issue

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


def test_teachers_students_and_parents_do_not_verify_teachers(institution, klass):
    # Issue 13 (2.2.4): the director and deputies verify too (tests/roles/services); a
    # teacher, a student or a parent may not.
    person = make_member(institution, Role.TEACHER, klass)
    for role in (Role.TEACHER, Role.STUDENT, Role.PARENT):
        other = make_member(institution, role, klass, verified=role == Role.TEACHER).user
        with pytest.raises(ValidationError):
            services.decide_verification(person=person, by=other, approve=True)
    assert Membership.objects.get(person=person).verification == Verification.PENDING
