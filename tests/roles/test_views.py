"""The structure pages as an administrator uses them, through HTTP."""

import datetime as dt

import pytest
from django.urls import reverse

from roles import services
from roles.models import (
    AdminAppointment,
    Membership,
    Movement,
    MovementKind,
    Person,
    Role,
    TodoItem,
    Unit,
    UnitKind,
    Verification,
)

from ..conftest import login
from ..factories import make_member, make_person, make_unit


def url(name, institution, *args):
    return reverse(f"roles:{name}", args=[institution.pk, *args])


def test_create_a_class(institution, admin_client, department):
    response = admin_client.post(
        url("unit_create", institution),
        {"kind": "class", "name": "5Б", "academic_year": "2026/2027", "parent": department.pk},
    )
    unit = Unit.objects.get(name="5Б")
    assert response.status_code == 302
    assert response["Location"] == url("unit", institution, unit.pk)
    assert (unit.kind, unit.academic_year, unit.parent) == (UnitKind.CLASS, "2026/2027", department)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "class", "name": ""},
        {"kind": "class", "name": "5Б", "academic_year": "2026-2027"},
        {"kind": "class", "name": "5Б", "academic_year": "2026/2028"},
        {"kind": "staff_room", "name": "Вторая учительская"},
    ],
)
def test_bad_unit_input_is_shown_and_changes_nothing(institution, admin_client, data):
    before = Unit.objects.count()
    response = admin_client.post(url("unit_create", institution), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Unit.objects.count() == before


def test_a_duplicate_class_name_is_a_form_error(institution, admin_client, klass):
    response = admin_client.post(
        url("unit_create", institution),
        {"kind": "class", "name": "3А", "academic_year": "2026/2027"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Unit.objects.filter(name="3А").count() == 1


def test_archiving_asks_for_confirmation_first(institution, admin_client, klass):
    make_member(institution, Role.STUDENT, klass)
    page = admin_client.get(url("unit_archive", institution, klass.pk))
    assert page.status_code == 200
    assert b'method="post"' in page.content
    klass.refresh_from_db()
    assert not klass.is_archived
    response = admin_client.post(url("unit_archive", institution, klass.pk))
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.is_archived
    assert not Membership.objects.filter(unit=klass, end_date=None).exists()


def test_the_staff_room_has_no_archive_action(institution, admin_client):
    room = services.staff_room(institution)
    response = admin_client.post(url("unit_archive", institution, room.pk))
    assert response.status_code == 302
    room.refresh_from_db()
    assert not room.is_archived
    page = admin_client.get(url("unit", institution, room.pk)).content.decode()
    assert url("unit_archive", institution, room.pk) not in page


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


def test_add_a_person_then_enrol_transfer_and_leave(institution, admin_client, klass):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    response = admin_client.post(
        url("person_create", institution),
        {"last_name": "Соколова", "first_name": "Мария", "kind": "student", "external_id": "S-1"},
    )
    person = Person.objects.get(external_id="S-1")
    assert response["Location"] == url("enrol", institution, person.pk)
    today = institution.local_today().isoformat()
    admin_client.post(
        url("enrol", institution, person.pk),
        {"unit": klass.pk, "role": "student", "effective_date": today, "order_number": "1-у"},
    )
    membership = Membership.objects.get(person=person, unit=klass)
    services.mark_joined(memberships=[membership])
    admin_client.post(
        url("transfer", institution, person.pk),
        {"membership": membership.pk, "to_unit": other.pk, "effective_date": today},
    )
    admin_client.post(url("leave", institution, person.pk), {"effective_date": today})
    kinds = list(
        Movement.objects.filter(person=person).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [MovementKind.ENROL, MovementKind.TRANSFER, MovementKind.LEAVE]
    person.refresh_from_db()
    assert person.left_on is not None
    # Re-invite after the transfer, remove after leaving.
    assert sorted(TodoItem.objects.filter(person=person).values_list("kind", flat=True)) == [
        "reinvite",
        "remove",
    ]


def test_a_student_cannot_get_an_email(institution, admin_client):
    response = admin_client.post(
        url("person_create", institution),
        {"last_name": "А", "first_name": "Б", "kind": "student", "email": "kid@example.org"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Person.objects.filter(last_name="А").exists()


def test_a_bad_movement_is_refused_with_a_message(institution, admin_client, klass):
    person = make_member(institution, Role.STUDENT, klass)
    response = admin_client.post(
        url("enrol", institution, person.pk),
        {"unit": klass.pk, "role": "student", "effective_date": "2026-11-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Membership.objects.filter(person=person).count() == 1


def test_ticking_off_a_todo_from_the_dashboard(institution, admin_client, admin_user, klass):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(person=student, effective_date=institution.local_today())
    todo = TodoItem.objects.get()
    home = admin_client.get("/")
    assert todo.title in home.content.decode()
    response = admin_client.post(url("todo_done", institution, todo.pk), {"next": "/"})
    assert response["Location"] == "/"
    todo.refresh_from_db()
    assert todo.done_by == admin_user
    done_page = admin_client.get(url("todos", institution), {"show": "done"})
    assert todo in list(done_page.context["page"])


def test_the_todo_redirect_stays_on_this_site(institution, admin_client, klass):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(person=student, effective_date=institution.local_today())
    todo = TodoItem.objects.get()
    response = admin_client.post(
        url("todo_done", institution, todo.pk), {"next": "https://evil.example/"}
    )
    assert response["Location"] == url("todos", institution)


def test_the_director_appoints_an_admin_through_the_page(institution):
    director = make_member(institution, Role.DIRECTOR).user
    teacher = make_member(institution, Role.TEACHER)
    client = login(director)
    page = client.get(url("appointments", institution))
    assert teacher in page.context["form"].fields["person"].queryset
    response = client.post(
        url("appointments", institution),
        {"person": teacher.pk, "order_number": "15-од", "order_date": "2026-11-01"},
    )
    assert response.status_code == 302
    assert AdminAppointment.objects.get(person=teacher).order_number == "15-од"


def test_an_admin_cannot_appoint_an_unverified_teacher_through_the_page(institution, admin_client):
    teacher = make_member(institution, Role.TEACHER)
    response = admin_client.post(
        url("appointments", institution),
        {"person": teacher.pk, "order_number": "16-од", "order_date": "2026-11-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not AdminAppointment.objects.filter(person=teacher).exists()


def test_verify_a_teacher_from_the_person_page(institution, admin_client):
    teacher = make_member(institution, Role.TEACHER)
    admin_client.post(url("verify_teacher", institution, teacher.pk), {"approve": "1"})
    assert Membership.objects.get(person=teacher).verification == Verification.VERIFIED


def test_edit_institution_details_and_order(institution):
    director = make_member(institution, Role.DIRECTOR).user
    client = login(director)
    response = client.post(
        url("institution_edit", institution),
        {
            "name": institution.name,
            "short_name": "ТЦ",
            "address": "ул. Мира, 1",
            "inn": "7701234567",
            "timezone": "Asia/Yekaterinburg",
            "usage_order_number": "45-од",
            "usage_order_date": "2026-09-01",
        },
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.inn, institution.timezone, institution.usage_order_number) == (
        "7701234567",
        "Asia/Yekaterinburg",
        "45-од",
    )
    assert institution.usage_order_date == dt.date(2026, 9, 1)


def test_a_bad_inn_is_refused(institution):
    client = login(make_member(institution, Role.DIRECTOR).user)
    response = client.post(
        url("institution_edit", institution),
        {"name": institution.name, "inn": "12345", "timezone": "Europe/Moscow"},
    )
    assert response.status_code == 200
    assert "inn" in response.context["form"].errors


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
    from ..factories import UserFactory

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
