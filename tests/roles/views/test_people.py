"""The roster pages: the people list, a person's card and form, linking a child, verifying a
teacher."""

from roles.models import Membership, Person, Role, Verification

from ...factories import make_member, make_person
from .helpers import url


def test_the_people_list_searches_filters_and_pages(institution, admin_client, klass):
    for _i in range(30):
        make_member(institution, Role.STUDENT, klass)
    special = make_person(institution, last_name="Ёлкина", first_name="Вера", external_id="E-77")
    response = admin_client.get(url("people", institution), {"kind": "student", "unit": klass.pk})
    assert response.context["page"].paginator.count == 30
    assert response.context["page"].has_next()
    page2 = admin_client.get(url("people", institution), {"kind": "student", "page": 2})
    assert len(page2.context["page"].object_list) == 31 - 25
    found = admin_client.get(url("people", institution), {"q": "ёлкина"})
    assert [p.pk for p in found.context["page"]] == [
        special.pk
    ] or "Ёлкина" in found.content.decode()
    by_id = admin_client.get(url("people", institution), {"q": "E-77"})
    assert [p.pk for p in by_id.context["page"]] == [special.pk]
    empty = admin_client.get(url("people", institution), {"q": "Несуществующий"})
    assert empty.context["page"].paginator.count == 0


def test_a_student_cannot_get_an_email(institution, admin_client):
    response = admin_client.post(
        url("person_create", institution),
        {"last_name": "А", "first_name": "Б", "kind": "student", "email": "kid@example.org"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Person.objects.filter(last_name="А").exists()


def test_verify_a_teacher_from_the_person_page(institution, admin_client):
    teacher = make_member(institution, Role.TEACHER)
    admin_client.post(url("verify_teacher", institution, teacher.pk), {"approve": "1"})
    assert Membership.objects.get(person=teacher).verification == Verification.VERIFIED


def test_link_a_parent_to_a_child_by_name_or_id(institution, admin_client, klass):
    child = make_person(institution, last_name="Белкин", first_name="Гоша", external_id="S-9")
    parent = make_person(institution, kind="parent", last_name="Белкина", external_id="P-9")
    link_url = url("guardian_link", institution, parent.pk)
    admin_client.post(link_url, {"student": "белкин гоша"})
    assert list(parent.children.all()) == [child]
    admin_client.post(link_url, {"student": "S-9"})  # again: still one link
    assert parent.children.count() == 1
    response = admin_client.post(link_url, {"student": "Никто"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    assert parent.children.count() == 1
