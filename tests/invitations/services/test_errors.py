"""The refusals of the invitation services in the shared vocabulary of `roles.errors`: the
landing's typed errors are `RuleBroken` (not for you: also `NotAllowed`), with their statuses
and a message of their own; the other refusals are `NotAllowed` or `RuleBroken`."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from invitations import services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Role

from ...factories import make_institution, make_member, make_person
from ..helpers import issue, pending_request

LANDING_ERRORS = [
    (services.InvitationError, "invalid", "Ссылка не работает"),
    (services.InvitationNotFound, "unknown", "Такой ссылки-приглашения нет"),
    (services.InvitationExpired, "expired", "Срок действия ссылки-приглашения истёк"),
    (services.InvitationRevoked, "revoked", "Ссылка-приглашение отозвана"),
    (services.InvitationUsedUp, "used_up", "Ссылка-приглашение уже использована"),
    (services.InvitationNotForYou, "not_for_you", "Эта ссылка не для вас"),
    (services.InvitationNeedsRequest, "needs_request", "Представьтесь, пожалуйста"),
]


@pytest.mark.parametrize(("error", "status", "message"), LANDING_ERRORS)
def test_the_landing_errors_are_rules_broken_with_a_status_and_a_message(error, status, message):
    with pytest.raises(RuleBroken) as caught:
        raise error  # no argument: the default message
    assert isinstance(caught.value, services.InvitationError)
    assert caught.value.status == status
    with translation.override("ru"):
        assert caught.value.messages == [message]


def test_only_not_for_you_is_also_not_allowed():
    for error, _status, _message in LANDING_ERRORS:
        refusal = error()
        assert isinstance(refusal, ValidationError)
        not_for_you = error is services.InvitationNotForYou
        assert isinstance(refusal, NotAllowed) is not_for_you
        assert isinstance(refusal, PermissionDenied) is not_for_you


def test_a_message_may_still_be_given():
    assert services.InvitationExpired("Другой текст").messages == ["Другой текст"]


def test_a_person_outside_the_creators_reach_is_not_allowed(klass, admin_user):
    stranger = make_person(make_institution())
    with pytest.raises(NotAllowed):
        issue(klass, Role.STUDENT, admin_user, person=stranger)


def test_a_link_the_user_may_not_issue_is_not_allowed(institution, klass):
    parent = make_member(institution, Role.PARENT, klass).user
    with pytest.raises(NotAllowed):
        issue(klass, Role.STUDENT, parent)


def test_a_past_expiry_breaks_a_rule(klass, admin_user):
    with pytest.raises(RuleBroken) as caught:
        issue(klass, Role.TEACHER, admin_user, expires_at=timezone.now() - dt.timedelta(hours=1))
    assert not isinstance(caught.value, NotAllowed)


def test_revoking_somebody_elses_link_is_not_allowed(klass, admin_user, teacher):
    invitation, _token = issue(klass, Role.STUDENT, admin_user)
    with pytest.raises(NotAllowed):
        services.revoke_invitation(invitation=invitation, by=teacher.user)


def test_deciding_requests_is_not_allowed_to_the_director_nor_verifying_to_a_teacher(
    institution, klass, admin_user, director_user
):
    join_request = pending_request(klass, admin_user)
    with pytest.raises(NotAllowed):
        services.approve_join_request(join_request=join_request, by=director_user)
    with pytest.raises(NotAllowed):
        services.reject_join_request(join_request=join_request, by=director_user, reason="нет")
    # Issue 13 (2.2.4): the director confirms teachers' status now; a teacher still may not.
    newcomer = make_member(institution, Role.TEACHER, klass)
    colleague = make_member(institution, Role.TEACHER, klass, verified=True).user
    with pytest.raises(NotAllowed):
        services.decide_verification(person=newcomer, by=colleague, approve=True)


def test_a_decided_request_breaks_a_rule(klass, admin_user):
    join_request = pending_request(klass, admin_user)
    services.reject_join_request(join_request=join_request, by=admin_user, reason="нет")
    with pytest.raises(RuleBroken) as caught:
        services.approve_join_request(join_request=join_request, by=admin_user)
    assert not isinstance(caught.value, NotAllowed)
