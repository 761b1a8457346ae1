"""Every step of the services leaves its audit row, and no audit row carries a token."""

from invitations import services
from roles.models import AuditEvent, Role

from ...factories import UserFactory
from ..helpers import issue, pending_request

# --- audit ---------------------------------------------------------------------------------------


def test_every_step_is_audited(klass, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    services.accept_invitation(token=token, user=UserFactory())
    revoked, _token = issue(klass, Role.TEACHER, admin_user)
    services.revoke_invitation(invitation=revoked, by=admin_user)
    approved = pending_request(klass, admin_user)
    services.approve_join_request(join_request=approved, by=admin_user)
    rejected = pending_request(klass, admin_user)
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
