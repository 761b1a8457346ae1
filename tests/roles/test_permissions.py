"""The permission matrix: every view of the structure app × every role.

The expectations are written out by hand here, independently of roles/permissions.py, so that a
change of the rules there shows up as a failing cell.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

from roles import permissions, services
from roles.models import AdminAppointment, Membership, Role, TodoItem, Unit, UnitKind

from ..conftest import login
from ..factories import UserFactory, make_institution, make_member, make_person, make_unit

STAFF = {"director", "deputy", "admin", "teacher"}
MANAGEMENT = {"director", "deputy", "admin"}
ADMIN = {"admin"}

# url name -> (roles allowed, status for an allowed GET)
MATRIX = {
    "institution": (STAFF, 200),
    "institution_edit": ({"director", "admin"}, 200),
    "order_file": (STAFF, 200),
    "units": (STAFF, 200),
    "unit_create": (ADMIN, 200),
    "unit": (STAFF, 200),
    "unit_edit": (ADMIN, 200),
    "unit_archive": (ADMIN, 200),
    "people": (MANAGEMENT, 200),
    "person_create": (ADMIN, 200),
    "person": (MANAGEMENT, 200),
    "person_edit": (ADMIN, 200),
    "enrol": ({"director", "admin"}, 200),
    "transfer": ({"director", "admin"}, 200),
    "leave": ({"director", "admin"}, 200),
    "verify_teacher": (MANAGEMENT, 405),  # POST only (issue 13: the administration too)
    "guardian_link": (ADMIN, 405),  # POST only
    "change_role": ({"director", "admin"}, 200),
    # Issue 13 (2.3.3): teachers made members of a department without an invitation.
    "add_to_department": ({"director", "admin"}, 405),  # POST only
    "department_class_teachers": ({"director", "admin"}, 405),  # POST only
    "movements": (MANAGEMENT, 200),
    "appointments": (MANAGEMENT, 200),
    "appointment_end": ({"director", "admin"}, 200),
    "appointment_details": ({"director", "admin"}, 200),
    "appointment_order": (MANAGEMENT, 200),  # the order's file, a download
    "todos": (ADMIN, 200),
    "todo_done": (ADMIN, 405),  # POST only
    "roster_upload": (ADMIN, 200),
    "roster_import": (ADMIN, 200),
    "roster_mapping": (ADMIN, 405),  # POST only
    "audit": ({"director", "admin"}, 200),
    "duplicates": (ADMIN, 200),
    "merge": (ADMIN, 200),
    "login_locks": (ADMIN, 200),
    # Every list's exports and print view: for those who see the list.
    **{
        f"{name}_{fmt}": (allowed, 200)
        for name, allowed in (
            ("people", MANAGEMENT),
            ("movements", MANAGEMENT),
            ("todos", ADMIN),
            ("audit", {"director", "admin"}),
        )
        for fmt in ("xlsx", "csv", "print")
    },
}
ROLES = [
    "anonymous",
    "director",
    "deputy",
    "admin",
    "teacher",
    "student",
    "parent",
    "outsider",
    "superuser",
]


@pytest.fixture
def world(db):
    """One institution with one object of every kind, a user per role, and an outsider."""
    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS, "1А")
    users = {
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "admin": make_member(institution, Role.ADMIN).user,
        "teacher": make_member(institution, Role.TEACHER, verified=True).user,
        "student": make_member(institution, Role.STUDENT, klass).user,
        "parent": make_member(institution, Role.PARENT, klass).user,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    institution.usage_order_file.save("order.pdf", ContentFile(b"%PDF-1.4 order"), save=True)
    other = make_institution()
    users["outsider"] = make_member(other, Role.ADMIN).user
    person = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(
        person=make_member(institution, Role.STUDENT, klass, joined=True),
        effective_date=dt.date(2026, 1, 10),
    )
    roster_import = services.preview_roster_import(
        institution=institution,
        data=b"external_id,last_name,first_name,kind\n",
        filename="r.csv",
        by=None,
    )
    appointment = AdminAppointment.objects.filter(institution=institution).first()
    appointment.order_file.save("prikaz.pdf", ContentFile(b"%PDF-1.4 appointment"), save=True)
    objects = {
        "unit": klass,
        "person": person,
        "membership": Membership.objects.filter(person=person).first(),
        "appointment": AdminAppointment.objects.filter(institution=institution).first(),
        "todo": TodoItem.objects.filter(institution=institution).first(),
        "roster_import": roster_import,
        # A namesake of `person` without a login: the merge page compares the two.
        "namesake": make_person(institution, last_name=person.last_name),
    }
    return institution, users, objects


def url_for(name, institution, objects):
    pk_source = {
        "unit": "unit",
        "unit_edit": "unit",
        "unit_archive": "unit",
        "person": "person",
        "person_edit": "person",
        "enrol": "person",
        "transfer": "person",
        "leave": "person",
        "verify_teacher": "person",
        "guardian_link": "person",
        "add_to_department": "person",
        "department_class_teachers": "unit",
        "change_role": "membership",
        "appointment_end": "appointment",
        "appointment_details": "appointment",
        "appointment_order": "appointment",
        "todo_done": "todo",
        "roster_import": "roster_import",
        "roster_mapping": "roster_import",
    }.get(name)
    args = [institution.pk] + ([objects[pk_source].pk] if pk_source else [])
    if name == "merge":
        args += [objects["person"].pk, objects["namesake"].pk]
    return reverse(f"roles:{name}", args=args)


def test_the_matrix_covers_every_view_of_the_app():
    app_names = {p.name for p in get_resolver("roles.urls").url_patterns}
    assert app_names - {"institutions"} == set(MATRIX), "add the new view to MATRIX"


@pytest.mark.parametrize("role", ROLES)
def test_every_view_answers_each_role_as_the_rules_say(world, role):
    institution, users, objects = world
    client = login(users[role]) if role != "anonymous" else None
    from django.test import Client

    client = client or Client()
    wrong = []
    for name, (allowed, ok_status) in MATRIX.items():
        url = url_for(name, institution, objects)
        response = client.get(url)
        if role == "anonymous":
            expected = 302
        elif role == "outsider":
            expected = 404
        elif role == "superuser" or role in allowed:
            expected = ok_status
        else:
            expected = 403
        if response.status_code != expected:
            wrong.append((name, response.status_code, expected))
        if role == "anonymous":
            assert response["Location"].startswith(reverse("login"))
    assert wrong == []


def test_another_institutions_objects_are_not_found(world):
    institution, users, objects = world
    other = make_institution()
    foreign = {
        "unit": make_unit(other, UnitKind.CLASS),
        "person": make_person(other),
    }
    client = login(users["admin"])
    for name in ("unit", "unit_edit", "unit_archive"):
        assert (
            client.get(
                reverse(f"roles:{name}", args=[institution.pk, foreign["unit"].pk])
            ).status_code
            == 404
        )
    for name in ("person", "person_edit", "enrol", "leave", "transfer"):
        assert (
            client.get(
                reverse(f"roles:{name}", args=[institution.pk, foreign["person"].pk])
            ).status_code
            == 404
        )
    # And the other institution itself is invisible to this admin.
    assert client.get(reverse("roles:institution", args=[other.pk])).status_code == 404


def test_a_forbidden_post_changes_nothing(world):
    institution, users, objects = world
    client = login(users["teacher"])
    before = Unit.objects.count()
    response = client.post(
        reverse("roles:unit_create", args=[institution.pk]), {"kind": "class", "name": "9Я"}
    )
    assert response.status_code == 403
    assert Unit.objects.count() == before
    response = client.post(reverse("roles:todo_done", args=[institution.pk, objects["todo"].pk]))
    assert response.status_code == 403
    objects["todo"].refresh_from_db()
    assert objects["todo"].done_at is None


def test_a_teacher_sees_the_members_only_of_their_own_units(world):
    institution, users, objects = world
    klass = objects["unit"]
    teacher = users["teacher"]
    client = login(teacher)
    url = reverse("roles:unit", args=[institution.pk, klass.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["show_members"] is False and response.context["page"] is None
    person = teacher.people.get()
    services.enrol(person=person, unit=klass, role=Role.TEACHER, effective_date=dt.date(2025, 9, 1))
    response = client.get(url)
    assert response.context["show_members"] is True
    shown = {m.person_id for m in response.context["page"]}
    assert objects["person"].pk in shown


def test_roles_follow_memberships_in_force(world):
    institution, users, objects = world
    student_user = users["student"]
    assert permissions.roles_of(student_user, institution) == {Role.STUDENT}
    services.leave(person=student_user.people.get(), effective_date=institution.local_today())
    fresh = type(student_user).objects.get(pk=student_user.pk)
    assert permissions.roles_of(fresh, institution) == frozenset()
    assert not permissions.institutions_for(fresh).exists()


# --- who may give which role ------------------------------------------------------------------


def test_an_admin_cannot_make_anyone_director_or_deputy(world):
    institution, users, objects = world
    client = login(users["admin"])
    admin_person = users["admin"].people.get()
    room = services.staff_room(institution)
    today = institution.local_today().isoformat()
    for role in ("director", "deputy"):
        response = client.post(
            reverse("roles:enrol", args=[institution.pk, admin_person.pk]),
            {"unit": room.pk, "role": role, "effective_date": today},
        )
        assert response.status_code == 200 and response.context["form"].non_field_errors()
    fresh = type(users["admin"]).objects.get(pk=users["admin"].pk)
    assert permissions.roles_of(fresh, institution) == {Role.ADMIN, Role.TEACHER}


def test_an_admin_cannot_change_or_end_the_directors_memberships(world):
    institution, users, objects = world
    client = login(users["admin"])
    director = users["director"].people.get()
    membership = Membership.objects.get(person=director, role=Role.DIRECTOR)
    today = institution.local_today().isoformat()
    response = client.post(
        reverse("roles:change_role", args=[institution.pk, membership.pk]),
        {"role": "teacher", "effective_date": today},
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(
        reverse("roles:leave", args=[institution.pk, director.pk]), {"effective_date": today}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    director.refresh_from_db()
    assert director.left_on is None
    assert Membership.objects.get(pk=membership.pk).end_date is None


def test_the_director_appoints_a_deputy(world):
    institution, users, objects = world
    teacher = users["teacher"].people.get()
    membership = Membership.objects.get(person=teacher, unit__kind=UnitKind.STAFF_ROOM)
    response = login(users["director"]).post(
        reverse("roles:change_role", args=[institution.pk, membership.pk]),
        {"role": "deputy", "effective_date": institution.local_today().isoformat()},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(person=teacher, role=Role.DEPUTY, end_date=None).exists()


def test_only_the_director_relieves_the_main_administrator(world):
    institution, users, objects = world
    main = AdminAppointment.objects.get(institution=institution, end_date=None)
    extra_person = users["teacher"].people.get()
    extra = services.appoint_admin(
        institution=institution,
        person=extra_person,
        order_number="2-од",
        order_date=institution.local_today(),
        by=users["admin"],
    )
    assert extra.is_additional
    extra_client = login(users["teacher"])
    response = extra_client.post(reverse("roles:appointment_end", args=[institution.pk, main.pk]))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    main.refresh_from_db()
    assert main.end_date is None
    # The main admin may relieve an additional one; the director the main one.
    response = login(users["admin"]).post(
        reverse("roles:appointment_end", args=[institution.pk, extra.pk])
    )
    assert response.status_code == 302
    response = login(users["director"]).post(
        reverse("roles:appointment_end", args=[institution.pk, main.pk])
    )
    assert response.status_code == 302
    main.refresh_from_db()
    assert main.end_date is not None


def test_a_deputy_cannot_appoint_admins(world):
    institution, users, objects = world
    teacher = users["teacher"].people.get()
    response = login(users["deputy"]).post(
        reverse("roles:appointments", args=[institution.pk]),
        {"person": teacher.pk, "order_number": "3", "order_date": "2026-11-01"},
    )
    assert response.status_code == 403
    assert not AdminAppointment.objects.filter(person=teacher).exists()


# --- the institution's own day ----------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Vladivostok"])
def test_roles_begin_on_the_institutions_own_day(db, zone):
    institution = make_institution(timezone=zone)
    local_today = institution.local_today()
    starts_today = make_person(institution, kind="staff", user=UserFactory())
    services.enrol(
        person=starts_today,
        unit=services.staff_room(institution),
        role=Role.TEACHER,
        effective_date=local_today,
    )
    starts_tomorrow = make_person(institution, kind="staff", user=UserFactory())
    services.enrol(
        person=starts_tomorrow,
        unit=services.staff_room(institution),
        role=Role.TEACHER,
        effective_date=local_today + dt.timedelta(days=1),
    )
    assert permissions.institutions_for(starts_today.user).filter(pk=institution.pk).exists()
    assert (
        login(starts_today.user)
        .get(reverse("roles:institution", args=[institution.pk]))
        .status_code
        == 200
    )
    assert not permissions.institutions_for(starts_tomorrow.user).exists()
    assert permissions.roles_of(starts_tomorrow.user, institution) == frozenset()


def test_pages_show_times_in_the_institutions_zone(db):
    from zoneinfo import ZoneInfo

    from django.utils import timezone as tz
    from django.utils import translation
    from django.utils.formats import date_format

    from roles.models import AuditEvent

    institution = make_institution(timezone="Asia/Vladivostok")
    admin = make_member(institution, Role.ADMIN).user
    when = dt.datetime(2026, 3, 9, 16, 30, tzinfo=dt.UTC)  # 10 March 02:30 in Vladivostok
    AuditEvent.objects.create(institution=institution, action="x", summary="y", created_at=when)
    page = login(admin).get(reverse("roles:audit", args=[institution.pk])).content.decode()
    with translation.override("ru"):
        local = date_format(
            tz.localtime(when, ZoneInfo("Asia/Vladivostok")), "SHORT_DATETIME_FORMAT"
        )
        moscow = date_format(tz.localtime(when, ZoneInfo("Europe/Moscow")), "SHORT_DATETIME_FORMAT")
    assert local in page and moscow not in page


def test_uploads_are_never_served_publicly(world, client):
    institution, users, objects = world
    name = institution.usage_order_file.name
    assert client.get(f"/media/{name}").status_code == 404
    assert (
        login(users["student"]).get(reverse("roles:order_file", args=[institution.pk])).status_code
        == 403
    )
    response = login(users["teacher"]).get(reverse("roles:order_file", args=[institution.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 order"
