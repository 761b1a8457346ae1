"""The audit log: every administrative action leaves a row."""

from roles import services
from roles.models import AuditEvent, Role

from ...factories import make_member
from .helpers import TODAY


def test_every_administrative_action_is_audited(institution, klass, admin_user):
    student = make_member(institution, Role.STUDENT, klass)
    services.leave(person=student, effective_date=TODAY, by=admin_user)
    event = AuditEvent.objects.filter(action="movement.leave").get()
    assert event.actor == admin_user and event.institution == institution
