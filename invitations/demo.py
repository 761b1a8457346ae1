"""Demo invitations for `seed_demo`: links in every state and a join request waiting."""

import datetime as dt

from django.utils import timezone

from roles.models import Membership, Role, Unit, UnitKind, User

from . import services
from .models import Invitation


def seed(*, institution) -> None:
    if Invitation.objects.filter(institution=institution).exists():
        return
    admin = User.objects.get(username="admin")
    teacher = User.objects.get(username="teacher")
    now = timezone.now()
    room = Unit.objects.get(institution=institution, kind=UnitKind.STAFF_ROOM)
    robotics = Unit.objects.get(institution=institution, name="Робототехника-1")
    painting = Unit.objects.get(institution=institution, name="Живопись-2")

    # Teachers into the staff room: one waiting, one by e-mail.
    services.create_invitation(unit=room, role=Role.TEACHER, created_by=admin, send=False)
    services.create_invitation(
        unit=room,
        role=Role.TEACHER,
        created_by=admin,
        email="new.teacher@example.org",
        send=False,
        note="Новый педагог шахмат",
    )
    # The verified teacher's personal links for the students of their class not joined yet.
    services.issue_personal_links(unit=robotics, role=Role.STUDENT, created_by=teacher)
    # A class-wide parents' link that needs approval, and a request waiting for it.
    _invitation, token = services.create_invitation(
        unit=painting, role=Role.PARENT, created_by=admin, max_uses=None
    )
    services.request_as_guest(
        token=token,
        user=None,
        last_name="Новикова",
        first_name="Елена",
        patronymic="Сергеевна",
        child_name="Новиков Артём",
    )
    # A used link, an expired one and a revoked one, for the list to show every state.
    joined = Membership.objects.filter(unit=painting, role=Role.STUDENT).select_related("person")
    used, used_token = services.create_invitation(
        unit=painting, role=Role.STUDENT, created_by=admin, person=joined.first().person
    )
    Invitation.objects.filter(pk=used.pk).update(uses_count=1)
    expired, _ = services.create_invitation(unit=painting, role=Role.STUDENT, created_by=admin)
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=now - dt.timedelta(days=10), expires_at=now - dt.timedelta(days=3)
    )
    revoked, _ = services.create_invitation(unit=robotics, role=Role.PARENT, created_by=admin)
    services.revoke_invitation(invitation=revoked, by=admin)
