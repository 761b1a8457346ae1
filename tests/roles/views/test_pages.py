"""Across the pages: the role-aware home, a user without a role, the empty states of lists."""

from roles.models import Role

from ...conftest import login
from ...factories import make_member
from .helpers import url


def test_home_is_role_aware(institution, admin_client, klass):
    teacher = make_member(institution, Role.TEACHER, klass)
    admin_home = admin_client.get("/")
    assert admin_home.context["is_admin"] and "counts" in admin_home.context
    teacher_home = login(teacher.user).get("/")
    assert not teacher_home.context["is_admin"] and "counts" not in teacher_home.context
    assert [m.unit for m in teacher_home.context["my_memberships"]] == [klass]
    director_home = login(make_member(institution, Role.DIRECTOR).user).get("/")
    assert director_home.context["is_management"] and not director_home.context["is_admin"]
    assert director_home.context["counts"]["classes"] == 1


def test_a_user_without_any_role_gets_a_friendly_page(db):
    from ...factories import UserFactory

    response = login(UserFactory()).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "home_no_role.html"


def test_empty_lists_show_an_empty_state(institution, admin_client):
    for name, query in (
        ("people", {"q": "Никого-нет"}),
        ("movements", {"kind": "transfer"}),
        ("todos", {}),
        ("roster_upload", {}),
        ("units", {"q": "Никакой"}),
    ):
        response = admin_client.get(url(name, institution), query)
        assert b"empty-state" in response.content, name
