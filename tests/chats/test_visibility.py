"""Who sees a chat's link (the key to the chat): every kind of chat × every kind of person.

The expectations are written out by hand from the regulation, independently of chats/rules.py.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats import selectors, services
from chats.models import ChatKind
from chats.permissions import can_see_link
from invitations import services as invitation_services
from roles import services as roles_services
from roles.models import Membership, PersonKind, Role, UnitKind

from ..conftest import login
from ..factories import START, make_institution, make_member, make_person, make_unit
from .helpers import member, page, register, text_of
from .helpers import teacher as make_teacher

USERS = [
    "director",
    "deputy",
    "admin",
    "class_teacher",  # teacher of 3А (the class of the class chats)
    "other_class_teacher",  # teacher of 3Б
    "department_teacher",  # teacher of the department of the department chat
    "staff_room_teacher",  # another teacher, of the staff room only
    "student",  # of 3А
    "other_student",  # of 3Б
    "parent",  # of 3А
    "other_parent",  # of 3Б
    "outsider",  # the admin of another institution
    "owner",  # a teacher of the staff room who owns every chat below
    "anonymous",
]

STAFF = {
    "director",
    "deputy",
    "admin",
    "class_teacher",
    "other_class_teacher",
    "department_teacher",
    "staff_room_teacher",
    "owner",
}

# chat -> who sees its link. The owner always does; nobody of another institution ever does.
EXPECTED = {
    "director_deputies": {"director", "deputy", "owner"},
    "director_teachers": STAFF,
    "staff_room": STAFF,
    "class_students": {"class_teacher", "student", "owner"},
    "class_parents": {"class_teacher", "parent", "owner"},
    "department_teachers": {"department_teacher", "owner"},
    "other_in_class": {"class_teacher", "student", "parent", "owner"},
    "other_without_unit": {"owner"},
}

# chat -> (kind, unit key)
CHATS = {
    "director_deputies": (ChatKind.DIRECTOR_DEPUTIES, None),
    "director_teachers": (ChatKind.DIRECTOR_TEACHERS, None),
    "staff_room": (ChatKind.STAFF_ROOM, None),
    "class_students": (ChatKind.CLASS_STUDENTS, "class"),
    "class_parents": (ChatKind.CLASS_PARENTS, "class"),
    "department_teachers": (ChatKind.DEPARTMENT_TEACHERS, "department"),
    "other_in_class": (ChatKind.OTHER, "class"),
    "other_without_unit": (ChatKind.OTHER, None),
}


@pytest.fixture
def world(institution, klass, other_class, department, admin_user):
    users = {
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "admin": admin_user,
        "class_teacher": make_teacher(institution, klass).user,
        "other_class_teacher": make_teacher(institution, other_class).user,
        "department_teacher": make_teacher(institution, department).user,
        "staff_room_teacher": make_teacher(institution).user,
        "student": member(klass, Role.STUDENT).user,
        "other_student": member(other_class, Role.STUDENT).user,
        "parent": member(klass, Role.PARENT).user,
        "other_parent": member(other_class, Role.PARENT).user,
        "outsider": make_member(make_institution(), Role.ADMIN).user,
        "anonymous": AnonymousUser(),
    }
    owner = make_teacher(institution, last_name="Владелец")
    users["owner"] = owner.user
    units = {"class": klass, "department": department, None: None}
    chats = {
        name: register(
            admin_user,
            institution,
            kind,
            units[unit],
            owner=owner,
            platform="max" if n % 2 else "vk",
            title=f"Чат {name}",
        )
        for n, (name, (kind, unit)) in enumerate(CHATS.items())
    }
    assert len({chat.link for chat in chats.values()}) == len(chats)
    return institution, users, chats


def test_the_table_names_every_kind_of_chat():
    assert {kind for kind, _unit in CHATS.values()} == set(ChatKind.values)
    assert set(EXPECTED) == set(CHATS)


@pytest.mark.parametrize("who", USERS)
def test_the_link_is_seen_exactly_by_the_people_entitled_to_it(world, who):
    institution, users, chats = world
    user = users[who]
    expected = {name for name, allowed in EXPECTED.items() if who in allowed}

    by_rule = {name for name, chat in chats.items() if can_see_link(user, chat)}
    assert by_rule == expected

    client = Client() if who == "anonymous" else login(user)
    response = client.get(page("my", institution))
    if who == "anonymous":
        assert response.status_code == 302
        assert {name for name, chat in chats.items() if chat.link in text_of(response)} == set()
        return
    mine = {chat.pk for chat in selectors.my_chats(user, institution)}
    assert {name for name, chat in chats.items() if chat.pk in mine} == expected
    if who == "outsider":
        assert response.status_code == 404
        # Nor in "my chats" of their own institution.
        response = client.get(page("my", user.people.get().institution))
        assert response.status_code == 200
    else:
        assert response.status_code == 200
    html = text_of(response)
    assert {name for name, chat in chats.items() if chat.link in html} == expected
    # Every chat shown comes with its title, and only those.
    assert {name for name, chat in chats.items() if chat.title in html} == expected


def test_nobody_sees_the_link_of_an_archived_chat_not_even_its_owner(world):
    institution, users, chats = world
    chat = chats["class_students"]
    services.archive_chat(chat=chat, by=users["admin"])
    chat.refresh_from_db()

    for who in ("owner", "class_teacher", "student"):
        assert not can_see_link(users[who], chat)
        assert chat not in selectors.my_chats(users[who], institution)
        assert chat.link not in text_of(login(users[who]).get(page("my", institution)))


def test_a_student_who_leaves_the_class_no_longer_sees_its_chat(world, klass):
    institution, users, chats = world
    student = users["student"].people.get()
    membership = Membership.objects.get(person=student, unit=klass)
    roles_services.end_membership(
        membership=membership, effective_date=institution.local_today(), by=users["admin"]
    )

    assert not can_see_link(users["student"], chats["class_students"])
    assert selectors.my_chats(users["student"], institution) == []


def test_a_teacher_who_leaves_no_longer_sees_the_chats_they_owned(world):
    institution, users, chats = world
    owner = users["owner"].people.get()
    roles_services.leave(person=owner, effective_date=institution.local_today(), by=None)
    for chat in chats.values():
        chat.refresh_from_db()

    assert {n for n, c in chats.items() if can_see_link(users["owner"], c)} == set()


def test_a_teacher_moved_to_another_class_no_longer_owns_or_sees_the_old_class_chat(
    institution, klass, other_class, admin_user
):
    former = make_teacher(institution, klass)
    chat = register(former.user, institution, ChatKind.CLASS_PARENTS, klass)

    roles_services.transfer(
        person=former,
        from_unit=klass,
        to_unit=other_class,
        effective_date=institution.local_today(),
        by=admin_user,
    )

    chat.refresh_from_db()
    assert not can_see_link(former.user, chat)
    assert chat not in selectors.my_chats(former.user, institution)
    assert chat.owner is None  # waits for the class's new teacher


def test_the_superuser_sees_no_link_by_being_a_superuser(world, superuser):
    institution, _users, chats = world

    assert not any(can_see_link(superuser, chat) for chat in chats.values())
    assert selectors.my_chats(superuser, institution) == []


@pytest.mark.parametrize("who", ["admin", "director", "deputy"])
def test_links_never_appear_on_the_board_the_registry_the_csv_or_the_max_page(world, who):
    institution, users, chats = world
    services.release_chats_of(person=users["owner"].people.get())  # "needs a new owner" too
    client = login(users[who])
    pages = [
        page("board", institution),
        page("board", institution) + "?gaps=on",
        page("board_csv", institution),
        page("registry", institution),
        page("registry", institution) + "?state=no_owner",
        page("max", institution),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert [name for name, chat in chats.items() if chat.link in body] == [], url
        assert "/join/" not in body, url
    # The registry does list the chats (by title).
    registry = text_of(client.get(page("registry", institution)))
    assert all(chat.title in registry for chat in chats.values())


def test_the_edit_page_does_not_reveal_a_link_the_admin_may_not_see(world):
    institution, users, chats = world
    chat = chats["class_parents"]
    assert not can_see_link(users["admin"], chat)

    response = login(users["admin"]).get(page("edit", institution, chat.pk))

    assert response.status_code == 200
    assert chat.link not in text_of(response)


def test_my_chats_takes_the_same_number_of_queries_whatever_the_number_of_chats(
    institution, klass, admin_user
):
    few = make_teacher(institution, klass)
    many = make_teacher(institution)
    for n in range(8):
        unit = make_unit(institution, UnitKind.CLASS, f"{n + 5}В")
        roles_services.enrol(person=many, unit=unit, role=Role.TEACHER, effective_date=START)
        register(admin_user, institution, ChatKind.CLASS_STUDENTS, unit)
        register(admin_user, institution, ChatKind.CLASS_PARENTS, unit, owner=many)
    register(admin_user, institution, ChatKind.CLASS_STUDENTS, klass)

    counts = {}
    for name, person in (("few", few), ("many", many)):
        with CaptureQueriesContext(connection) as captured:
            chats = selectors.my_chats(person.user, institution)
            [(c.title, c.link, str(c.unit)) for c in chats]
        counts[name] = (len(captured), len(chats))

    assert counts["few"][1] == 1
    assert counts["many"][1] == 16
    assert counts["few"][0] == counts["many"][0] == 2


# --- people who join by a personal link land on their chats -----------------------------------


@pytest.mark.parametrize(
    ("role", "kind", "not_shown"),
    [
        (Role.STUDENT, PersonKind.STUDENT, "class_parents"),
        (Role.PARENT, PersonKind.PARENT, "class_students"),
    ],
)
def test_joining_by_a_personal_link_lands_on_my_chats_with_the_class_chat(
    world, klass, role, kind, not_shown
):
    institution, users, chats = world
    person = make_person(institution, kind=kind, last_name="Орлова", first_name="Вера")
    roles_services.enrol(person=person, unit=klass, role=role, effective_date=START)
    _invitation, token = invitation_services.create_invitation(
        unit=klass, role=role, created_by=users["admin"], person=person
    )
    client = Client()

    response = client.post(reverse("invite", args=[token]), {"action": "join"})

    assert response.status_code == 302
    assert response["Location"] == page("my", institution)
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    html = text_of(landing)
    own = "class_students" if role == Role.STUDENT else "class_parents"
    assert chats[own].link in html
    assert chats["other_in_class"].link in html
    assert chats[not_shown].link not in html
    assert chats["staff_room"].link not in html
    person.refresh_from_db()
    assert {c.pk for c in selectors.my_chats(person.user, institution)} == {
        chats[own].pk,
        chats["other_in_class"].pk,
    }
