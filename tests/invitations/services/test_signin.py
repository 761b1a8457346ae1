"""Sign-in links (DESIGN §5): issued only by the admin or the director, for a student or parent
with a passwordless login; single-use, short-lived, stored hashed, revocable, audited."""

import datetime as dt

import pytest
from django.utils import timezone

from invitations import services
from invitations.models import SignInLink, SignInStatus
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import AuditEvent, PersonKind, Role

from ...factories import UserFactory, make_member, make_person
from ..helpers import roster_member


def family_member(institution, kind=PersonKind.STUDENT, **names):
    """A student (or parent) who joined without a password."""
    names.setdefault("last_name", "Орлова")
    names.setdefault("first_name", "Вера")
    user = services.passwordless_user(first_name=names["first_name"], last_name=names["last_name"])
    return make_person(institution, kind=kind, user=user, **names)


def test_a_link_signs_in_once(institution, admin_user, settings):
    settings.SIGNIN_LINK_HOURS = 72
    person = family_member(institution)

    link, token = services.issue_signin_link(person=person, by=admin_user)

    assert token not in link.token_hash and link.token_hash == services.hash_token(token)
    assert link.user == person.user
    assert link.expires_at == link.created_at + dt.timedelta(hours=72)
    assert services.use_signin_link(token=token) == person.user
    link.refresh_from_db()
    assert link.status == SignInStatus.USED
    with pytest.raises(services.SignInLinkUsed):
        services.use_signin_link(token=token)


def test_an_expired_link_is_refused(institution, admin_user):
    link, token = services.issue_signin_link(person=family_member(institution), by=admin_user)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    with pytest.raises(services.SignInLinkExpired):
        services.use_signin_link(token=token)


def test_a_revoked_link_is_refused(institution, admin_user):
    link, token = services.issue_signin_link(person=family_member(institution), by=admin_user)
    services.revoke_signin_link(link=link, by=admin_user)
    with pytest.raises(services.SignInLinkRevoked):
        services.use_signin_link(token=token)
    assert AuditEvent.objects.filter(action="signin.revoke", actor=admin_user).exists()


def test_an_unknown_token_is_not_found(db):
    with pytest.raises(services.SignInLinkNotFound):
        services.use_signin_link(token=services.new_token())


def test_a_new_link_replaces_the_old_one(institution, admin_user):
    person = family_member(institution)
    _old, old_token = services.issue_signin_link(person=person, by=admin_user)
    _new, new_token = services.issue_signin_link(person=person, by=admin_user)
    with pytest.raises(services.SignInLinkRevoked):
        services.use_signin_link(token=old_token)
    assert services.use_signin_link(token=new_token) == person.user


def test_a_link_stops_when_the_persons_login_changes_or_they_leave(institution, admin_user):
    person = family_member(institution)
    _link, token = services.issue_signin_link(person=person, by=admin_user)
    roles_services.update_person(
        person=person, by=None, user=services.passwordless_user(first_name="В", last_name="О")
    )
    with pytest.raises(services.SignInLinkRevoked):
        services.use_signin_link(token=token)

    leaver = family_member(institution, last_name="Уходящая")
    _link, token = services.issue_signin_link(person=leaver, by=admin_user)
    roles_services.leave(person=leaver, effective_date=institution.local_today())
    with pytest.raises(services.SignInLinkRevoked):
        services.use_signin_link(token=token)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DIRECTOR])
def test_the_admin_and_the_director_issue_links(institution, role, admin_user):
    by = admin_user if role == Role.ADMIN else make_member(institution, Role.DIRECTOR).user
    link, _token = services.issue_signin_link(person=family_member(institution), by=by)
    event = AuditEvent.objects.get(action="signin.issue")
    assert (event.actor, event.object_id) == (by, str(link.pk))


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.TEACHER, Role.STUDENT, Role.PARENT])
def test_nobody_else_issues_one(institution, klass, role):
    unit = klass if role != Role.DEPUTY else None
    by = make_member(institution, role, unit, verified=role == Role.TEACHER)
    with pytest.raises(NotAllowed):
        services.issue_signin_link(person=family_member(institution), by=by.user)
    assert not SignInLink.objects.exists()


def test_uses_are_audited(institution, admin_user):
    person = family_member(institution)
    _link, token = services.issue_signin_link(person=person, by=admin_user)
    services.use_signin_link(token=token)
    event = AuditEvent.objects.get(action="signin.use")
    assert event.actor == person.user


@pytest.mark.parametrize("who", ["no_login", "password", "staff", "staff_elsewhere"])
def test_a_link_is_only_for_a_family_login_without_a_password(institution, klass, admin_user, who):
    if who == "no_login":
        person = roster_member(klass, Role.STUDENT)
    elif who == "password":
        person = make_person(institution, kind=PersonKind.PARENT, user=UserFactory())
    elif who == "staff":
        person = make_member(institution, Role.TEACHER, klass)
    else:
        # A parent here who is a teacher with the same login in another institution.
        from ...factories import make_institution

        person = family_member(institution, kind=PersonKind.PARENT)
        make_person(make_institution(), kind=PersonKind.STAFF, user=person.user)
    with pytest.raises(RuleBroken):
        services.issue_signin_link(person=person, by=admin_user)
    assert not SignInLink.objects.exists()


def test_a_family_login_of_two_institutions_takes_the_right_to_issue_in_both(
    institution, admin_user
):
    """A link opens every institution of its login: the admin of one school alone may not
    issue it for a family that is also another school's."""
    from ...factories import make_institution

    person = family_member(institution, kind=PersonKind.PARENT)
    other_school = make_institution()
    make_person(other_school, kind=PersonKind.PARENT, user=person.user)
    with pytest.raises(NotAllowed):
        services.issue_signin_link(person=person, by=admin_user)
    assert not SignInLink.objects.exists()
    # The municipal operator may issue everywhere.
    _link, token = services.issue_signin_link(person=person, by=UserFactory(is_superuser=True))
    assert token
