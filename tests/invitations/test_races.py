"""Many people using one link at the same moment, with real threads.

Only PostgreSQL has concurrent writers (SQLite serialises whole transactions), so these run in
the second half of `.ci/run`.
"""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from invitations import services
from invitations.models import Invitation, InvitationUse, JoinRequestStatus, Status
from roles.models import Membership, Role, UnitKind, User

from ..concurrency import race
from ..factories import UserFactory, make_institution, make_member, make_unit
from .helpers import issue, roster_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place():
    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS, "1А")
    admin = make_member(institution, Role.ADMIN).user
    return institution, klass, admin


def test_twenty_accepts_of_a_single_use_link_give_one_membership(place):
    _institution, klass, admin = place
    invitation, token = issue(klass, Role.TEACHER, admin, max_uses=1)
    users = [UserFactory() for _ in range(20)]
    queue = iter(users)

    def accept():
        return services.accept_invitation(token=token, user=next(queue))

    results = race(accept, times=20)

    memberships = [r for r in results if isinstance(r, Membership)]
    refusals = [r for r in results if isinstance(r, services.InvitationUsedUp)]
    assert len(memberships) == 1
    assert len(refusals) == 19
    invitation.refresh_from_db()
    assert invitation.uses_count == 1
    assert invitation.status == Status.USED_UP
    assert Membership.objects.filter(unit=klass, role=Role.TEACHER).count() == 1
    assert InvitationUse.objects.filter(invitation=invitation).count() == 1


def test_a_link_of_five_uses_admits_exactly_five(place):
    _institution, klass, admin = place
    invitation, token = issue(klass, Role.TEACHER, admin, max_uses=5)
    users = iter([UserFactory() for _ in range(20)])

    results = race(lambda: services.accept_invitation(token=token, user=next(users)), times=20)

    assert sum(isinstance(r, Membership) for r in results) == 5
    assert sum(isinstance(r, services.InvitationUsedUp) for r in results) == 15
    invitation.refresh_from_db()
    assert invitation.uses_count == 5
    assert Membership.objects.filter(unit=klass).count() == 5


def test_ten_opens_of_one_personal_link_make_one_login(place):
    _institution, klass, admin = place
    student = roster_member(klass, Role.STUDENT)
    _invitation, token = issue(klass, Role.STUDENT, admin, person=student)
    users_before = User.objects.count()

    results = race(lambda: services.join_by_personal_link(token=token), times=10)

    joined = [r for r in results if isinstance(r, tuple)]
    assert len(joined) == 1
    assert all(
        isinstance(r, services.InvitationUsedUp | services.InvitationNotForYou)
        for r in results
        if not isinstance(r, tuple)
    )
    student.refresh_from_db()
    assert student.user == joined[0][0]
    assert User.objects.count() == users_before + 1  # the losers' logins were rolled back
    assert Membership.objects.get(person=student).joined_at is not None


def test_parallel_runs_of_the_job_expire_once_and_warn_once(place):
    _institution, klass, admin = place
    admin.email = "admin@example.org"
    admin.save(update_fields=["email"])
    for _ in range(5):
        invitation, _t = issue(klass, Role.TEACHER, admin)
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    for _ in range(3):
        issue(klass, Role.TEACHER, admin, expires_at=timezone.now() + dt.timedelta(days=1))
    mail.outbox = []
    now = timezone.now()

    results = race(lambda: services.expire_invitations(now=now), times=6)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 5
    assert len(mail.outbox) == 1
    assert Invitation.objects.filter(expiry_warned_at__isnull=False).count() == 3


def test_concurrent_decisions_on_one_request_record_one(place):
    _institution, klass, admin = place
    _invitation, token = issue(klass, Role.STUDENT, admin, max_uses=None)
    join_request = services.request_to_join(
        token=token, user=UserFactory(), last_name="Лебедев", first_name="Павел"
    )

    results = race(
        lambda: services.approve_join_request(join_request=join_request, by=admin), times=8
    )

    assert sum(isinstance(r, Membership) for r in results) == 1
    assert all(isinstance(r, ValidationError) for r in results if not isinstance(r, Membership))
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.APPROVED
    assert Membership.objects.filter(unit=klass, role=Role.STUDENT).count() == 1
