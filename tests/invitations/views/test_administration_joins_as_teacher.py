"""Issue 13, item 2 (regulation 2.2.3): the director and deputies join «Учительская» in the
Sferum role «учитель» besides their administrative role in the portal; the invitation form
offers only the roles its user may give and says beforehand which ones are the director's."""

import pytest
from django.core import mail
from django.urls import reverse

from invitations import services
from roles import permissions
from roles import services as roles_services
from roles.models import Membership, Role, UnitKind

from ...conftest import login
from ...factories import UserFactory, make_member


def _role_options(html: str) -> set[str]:
    import re

    select = re.search(r'<select name="role".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option value="(\w+)"', select))


def test_the_admin_is_offered_only_the_roles_they_may_give_and_told_the_rest(
    institution, admin_user
):
    response = login(admin_user).get(reverse("invitations:create", args=[institution.pk]))
    html = response.content.decode()
    assert _role_options(html) == {"teacher", "student", "parent"}
    assert 'id="director-only-roles"' in html
    assert "«директор»" in html and "«заместитель директора»" in html
    # The notice comes before the form.
    assert html.index('id="director-only-roles"') < html.index('<select name="role"')


def test_the_director_is_offered_every_role_of_a_link_and_sees_the_sferum_role(institution):
    director = make_member(institution, Role.DIRECTOR).user
    html = login(director).get(reverse("invitations:create", args=[institution.pk])).content
    html = html.decode()
    assert _role_options(html) == {"director", "deputy", "teacher", "student", "parent"}
    assert "admin" not in _role_options(html)  # the admin role comes from an order
    assert 'id="director-only-roles"' not in html
    assert "директор (в «Сферуме»: «учитель»)" in html


def test_a_teacher_is_offered_students_and_parents_only(institution, klass):
    teacher = make_member(institution, Role.TEACHER, klass, verified=True).user
    html = login(teacher).get(reverse("invitations:create", args=[institution.pk])).content
    assert _role_options(html.decode()) == {"student", "parent"}


def test_grantable_roles_follow_the_rules(institution, admin_user):
    director = make_member(institution, Role.DIRECTOR).user
    assert permissions.grantable_roles(admin_user, institution) == ["teacher", "student", "parent"]
    assert permissions.roles_only_the_director_grants(admin_user, institution) == [
        "director",
        "deputy",
    ]
    assert permissions.roles_only_the_director_grants(director, institution) == []


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY])
def test_the_administration_joins_the_staff_room_as_teacher_in_sferum(
    institution, role, django_capture_on_commit_callbacks
):
    director = make_member(institution, Role.DIRECTOR).user
    staff_room = roles_services.staff_room(institution)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.create_invitation(
            unit=staff_room, role=role, created_by=director, email="new@example.org"
        )
    assert "«учитель»" in mail.outbox[-1].body
    landing = login(UserFactory()).get(reverse("invite", args=[token])).content.decode()
    assert "В «Сферуме» вы присоединяетесь в роли «учитель»" in landing

    newcomer = UserFactory()
    membership = services.accept_invitation(token=token, user=newcomer)
    assert membership.role == role and membership.unit.kind == UnitKind.STAFF_ROOM
    assert membership.sferum_role == Role.TEACHER and membership.sferum_role_differs
    # The portal keeps the administrative role: the rights follow it.
    assert role in permissions.roles_of(newcomer, institution)
    page = login(director).get(reverse("roles:person", args=[institution.pk, membership.person.pk]))
    assert "в «Сферуме»: «учитель»" in page.content.decode()
    home = login(newcomer).get(reverse("home")).content.decode()
    assert "в «Сферуме»: «учитель»" in home


def test_a_teacher_shows_no_second_role(institution, klass):
    person = make_member(institution, Role.TEACHER, klass)
    membership = Membership.objects.get(person=person)
    assert membership.sferum_role == Role.TEACHER and not membership.sferum_role_differs
