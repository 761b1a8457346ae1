"""The expiry job (services.expiry): records expired links, annuls unclaimed ones, warns
creators."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from invitations import services
from invitations.models import Invitation, InvitationPolicy, RevokeReason, Status
from roles.models import Role, UnitKind

from ...factories import UserFactory, make_institution, make_member, make_unit
from ..helpers import issue, landing, make_expired, roster_member

DAY = dt.timedelta(days=1)


def snapshot() -> list[dict]:
    return list(Invitation.objects.order_by("pk").values())


@pytest.fixture
def creator(admin_user):
    admin_user.email = "admin@example.org"
    admin_user.save(update_fields=["email"])
    return admin_user


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


# --- expiry ------------------------------------------------------------------------------------


def test_links_past_their_expiry_are_recorded_as_expired(klass, admin_user):
    first, _t = issue(klass, Role.TEACHER, admin_user)
    second, _t = issue(klass, Role.TEACHER, admin_user, max_uses=3)
    active, _t = issue(klass, Role.TEACHER, admin_user)
    make_expired(first)
    make_expired(second)
    now = timezone.now()

    assert services.expire_invitations(now=now) == 2

    first.refresh_from_db()
    second.refresh_from_db()
    active.refresh_from_db()
    assert first.expiry_recorded_at == now
    assert second.expiry_recorded_at == now
    assert active.expiry_recorded_at is None
    assert (first.status, second.status, active.status) == ("expired", "expired", "active")
    # Expired is not revoked: the reason stays "expired" on the landing page.
    assert first.revoked_at is None
    assert active.revoked_at is None


def test_a_fake_clock_expires_links_whose_time_has_come(klass, admin_user):
    soon, _t = issue(klass, Role.TEACHER, admin_user, expires_at=in_days(3))
    later, _t = issue(klass, Role.TEACHER, admin_user, expires_at=in_days(10))

    assert services.expire_invitations(now=timezone.now() + 5 * DAY) == 1
    assert Invitation.objects.filter(expiry_recorded_at__isnull=False).get() == soon
    assert Invitation.objects.get(pk=later.pk).status == Status.ACTIVE


def test_used_links_are_left_alone(klass, admin_user):
    used, token = issue(klass, Role.TEACHER, admin_user, expires_at=in_days(60))
    services.accept_invitation(token=token, user=UserFactory())
    partly, partly_token = issue(
        klass, Role.TEACHER, admin_user, max_uses=5, expires_at=in_days(60)
    )
    services.accept_invitation(token=partly_token, user=UserFactory())
    before = snapshot()

    # Long after their creation, but before their expiry: nothing unclaimed about them.
    assert services.expire_invitations(now=timezone.now() + 30 * DAY) == 0
    assert snapshot() == before
    # After their expiry a used-up link is still "used up", not expired.
    services.expire_invitations(now=timezone.now() + 61 * DAY)
    used.refresh_from_db()
    partly.refresh_from_db()
    assert used.expiry_recorded_at is None
    assert used.revoked_at is None
    assert partly.revoked_at is None


# --- annulling unclaimed links -----------------------------------------------------------------


def test_links_nobody_used_for_fourteen_days_are_annulled_as_unclaimed(klass, admin_user):
    old, token = issue(klass, Role.TEACHER, admin_user, expires_at=in_days(40))
    young, _t = issue(klass, Role.TEACHER, admin_user, expires_at=in_days(40))
    # The young link was issued a day later.
    Invitation.objects.filter(pk=young.pk).update(created_at=young.created_at + DAY)
    now = old.created_at + 14 * DAY + dt.timedelta(minutes=1)

    assert services.expire_invitations(now=now) == 1

    old.refresh_from_db()
    young.refresh_from_db()
    assert old.status == Status.REVOKED
    assert old.revoke_reason == RevokeReason.UNCLAIMED
    assert old.revoked_by is None
    assert old.revoked_at == now
    assert young.status == Status.ACTIVE
    assert Client().get(landing(token)).status_code == 410


def test_the_institution_sets_its_own_number_of_days(klass, admin_user):
    other = make_institution()
    other_admin = make_member(other, Role.ADMIN).user
    InvitationPolicy.objects.create(institution=klass.institution, unclaimed_after_days=3)
    here, _t = issue(klass, Role.TEACHER, admin_user, expires_at=in_days(60))
    there, _t = issue(
        make_unit(other, UnitKind.CLASS), Role.TEACHER, other_admin, expires_at=in_days(60)
    )

    assert services.expire_invitations(now=timezone.now() + 4 * DAY) == 1
    here.refresh_from_db()
    there.refresh_from_db()
    assert (here.status, here.revoke_reason) == (Status.REVOKED, RevokeReason.UNCLAIMED)
    assert there.status == Status.ACTIVE

    assert services.expire_invitations(now=timezone.now() + 15 * DAY) == 1
    there.refresh_from_db()
    assert (there.status, there.revoke_reason) == (Status.REVOKED, RevokeReason.UNCLAIMED)


def test_two_institutions_with_the_same_number_of_days(klass, admin_user):
    other = make_institution()
    other_admin = make_member(other, Role.ADMIN).user
    for institution in (klass.institution, other):
        InvitationPolicy.objects.create(institution=institution, unclaimed_after_days=5)
    issue(klass, Role.TEACHER, admin_user, expires_at=in_days(60))
    issue(make_unit(other, UnitKind.CLASS), Role.TEACHER, other_admin, expires_at=in_days(60))

    assert services.expire_invitations(now=timezone.now() + 6 * DAY) == 2
    assert Invitation.objects.revoked().count() == 2


def test_a_second_run_returns_zero_and_changes_no_row(
    klass, department, creator, django_capture_on_commit_callbacks
):
    expired, _t = issue(klass, Role.TEACHER, creator)
    make_expired(expired)
    unclaimed, _t = issue(klass, Role.PARENT, creator, max_uses=None, expires_at=in_days(50))
    Invitation.objects.filter(pk=unclaimed.pk).update(created_at=timezone.now() - 20 * DAY)
    soon, _t = issue(department, Role.TEACHER, creator, expires_at=in_days(1))
    fine, _t = issue(department, Role.TEACHER, creator, expires_at=in_days(30))
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_invitations(now=now) == 2
    after_first = snapshot()
    mails = len(mail.outbox)
    assert mails == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_invitations(now=now) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_invitations(now=now + dt.timedelta(minutes=30)) == 0

    assert snapshot() == after_first
    assert len(mail.outbox) == mails


# --- the digest of links that expire soon -------------------------------------------------------


def test_each_creator_gets_one_digest_of_their_unused_links_expiring_within_two_days(
    institution, klass, creator, teacher, django_capture_on_commit_callbacks
):
    teacher.user.email = "teacher@example.org"
    teacher.user.save(update_fields=["email"])
    names = {}
    for last_name, days in [("Антонов", 1), ("Борисов", 1.9), ("Далёкий", 5)]:
        person = roster_member(klass, Role.STUDENT, last_name=last_name, first_name="Иван")
        names[last_name] = issue(
            klass, Role.STUDENT, creator, person=person, expires_at=in_days(days)
        )[0]
    used_person = roster_member(klass, Role.STUDENT, last_name="Использов", first_name="Иван")
    _used, used_token = issue(
        klass, Role.STUDENT, creator, person=used_person, expires_at=in_days(1)
    )
    services.join_by_personal_link(token=used_token)
    teachers_person = roster_member(klass, Role.PARENT, last_name="Учительская", first_name="Мать")
    issue(klass, Role.PARENT, teacher.user, person=teachers_person, expires_at=in_days(1))
    no_address = make_member(institution, Role.DIRECTOR).user  # no e-mail: nobody to tell
    issue(klass, Role.TEACHER, no_address, expires_at=in_days(1))

    with django_capture_on_commit_callbacks(execute=True):
        services.expire_invitations()

    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.org", "teacher@example.org"]
    digest = next(m for m in mail.outbox if m.to == ["admin@example.org"])
    assert "Антонов" in digest.body
    assert "Борисов" in digest.body
    assert "Далёкий" not in digest.body
    assert "Использов" not in digest.body
    assert "Учительская М." not in digest.body
    warned = Invitation.objects.filter(expiry_warned_at__isnull=False)
    assert {i.pk for i in warned} >= {names["Антонов"].pk, names["Борисов"].pk}
    assert names["Далёкий"] not in warned


def test_a_link_is_never_in_two_digests(klass, creator, django_capture_on_commit_callbacks):
    first = roster_member(klass, Role.STUDENT, last_name="Первов", first_name="Иван")
    issue(klass, Role.STUDENT, creator, person=first, expires_at=in_days(1))
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_invitations()
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.expire_invitations()
    assert len(mail.outbox) == 1

    second = roster_member(klass, Role.STUDENT, last_name="Вторых", first_name="Иван")
    issue(klass, Role.STUDENT, creator, person=second, expires_at=in_days(1.5))
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_invitations()

    assert len(mail.outbox) == 2
    assert "Вторых" in mail.outbox[1].body
    assert "Первов" not in mail.outbox[1].body


def test_a_link_expiring_later_is_warned_about_when_its_time_comes(
    klass, creator, django_capture_on_commit_callbacks
):
    issue(klass, Role.TEACHER, creator, expires_at=in_days(6))
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_invitations()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_invitations(now=timezone.now() + 4.5 * DAY)
    assert len(mail.outbox) == 1
