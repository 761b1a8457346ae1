"""Revoking a link by hand (services.revoking), called directly."""

import pytest
from django.core.exceptions import ValidationError

from invitations import services
from invitations.models import Status
from roles.models import AuditEvent, Role

from ..helpers import issue


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
