"""What happens to links when a person leaves (invitations.receivers)."""

from django.test import Client

from invitations import services
from invitations.models import Invitation, RevokeReason, Status
from roles import services as roles_services
from roles.models import AuditEvent, Role

from .helpers import issue, landing, roster_member

# --- people who leave ----------------------------------------------------------------------------


def test_when_a_person_leaves_their_pending_personal_links_are_revoked(
    institution, klass, admin_user
):
    student = roster_member(klass, Role.STUDENT)
    pending, token = issue(klass, Role.STUDENT, admin_user, person=student)
    class_link, class_token = issue(klass, Role.STUDENT, admin_user, max_uses=None)
    someone_else = roster_member(klass, Role.STUDENT, last_name="Другой")
    others, _t = issue(klass, Role.STUDENT, admin_user, person=someone_else)

    roles_services.leave(person=student, effective_date=institution.local_today(), by=admin_user)

    pending.refresh_from_db()
    assert pending.status == Status.REVOKED
    assert pending.revoke_reason == RevokeReason.PERSON_LEFT
    assert Client().get(landing(token)).status_code == 410
    assert Invitation.objects.get(pk=class_link.pk).status == Status.ACTIVE
    assert Invitation.objects.get(pk=others.pk).status == Status.ACTIVE
    assert AuditEvent.objects.filter(
        action="invitation.revoke_person", object_id=str(student.pk)
    ).exists()


def test_a_used_personal_link_of_a_leaver_stays_used(institution, klass, admin_user):
    student = roster_member(klass, Role.STUDENT)
    used, token = issue(klass, Role.STUDENT, admin_user, person=student)
    services.join_by_personal_link(token=token)
    student.refresh_from_db()

    roles_services.leave(person=student, effective_date=institution.local_today())

    used.refresh_from_db()
    assert used.status == Status.USED_UP
    assert used.revoked_at is None
