"""The chat pages as each role uses them: the permission matrix, the board, CSV, MAX, forms."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from chats import selectors, services
from chats.models import BotChat, Chat, ChatKind, ChatMember, Platform
from roles.models import AuditEvent, Role

from ..conftest import login
from ..factories import UserFactory, make_institution, make_member
from .helpers import chat_link, cyrillic_only, member, page, populate, register, text_of
from .helpers import teacher as make_teacher

BOARD = {"director", "deputy", "admin"}
STAFF = {"director", "deputy", "admin", "teacher"}
EVERYONE = {"director", "deputy", "admin", "teacher", "student", "parent"}
OWNER_OR_ADMIN = {"admin", "teacher"}  # the teacher owns the chat of the matrix

# url name -> (roles allowed, status for an allowed GET)
MATRIX = {
    "registry": (BOARD, 200),
    "registry_xlsx": (BOARD, 200),
    "registry_csv": (BOARD, 200),
    "registry_print": (BOARD, 200),
    "my": (EVERYONE, 200),
    "classes": (STAFF, 200),
    "board": (BOARD, 200),
    "board_csv": (BOARD, 200),
    "board_xlsx": (BOARD, 200),
    "board_print": (BOARD, 200),
    "remind": ({"admin"}, 405),  # POST only
    "max": (BOARD, 200),
    "create": (STAFF, 200),
    "edit": (OWNER_OR_ADMIN, 200),
    "archive": (OWNER_OR_ADMIN, 200),  # GET: the confirmation
    # The chat's reconciled members: the staff who may see the chat; pasting: owner or admin.
    "detail": (STAFF, 200),
    "members": (OWNER_OR_ADMIN, 200),
    "member_decide": (OWNER_OR_ADMIN, 200),
    # The MAX bot: the administrators.
    "messenger": ({"admin"}, 200),
    "messenger_token_remove": ({"admin"}, 200),  # GET: the confirmation
    "messenger_sync": ({"admin"}, 405),  # POST only
    "messenger_match": ({"admin"}, 405),  # POST only
}
ROLES = [
    "anonymous", "director", "deputy", "admin", "teacher", "student", "parent", "outsider",
    "superuser",
]  # fmt: skip


@pytest.fixture
def world(institution, klass, admin_user):
    users = {
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "admin": admin_user,
        "teacher": make_teacher(institution, klass).user,
        "student": member(klass, Role.STUDENT).user,
        "parent": member(klass, Role.PARENT).user,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "outsider": make_member(make_institution(), Role.ADMIN).user,
    }
    chat = register(users["teacher"], institution, ChatKind.CLASS_STUDENTS, klass)
    services.reconcile_pasted(chat=chat, text="Гость Вася\n", by=None)
    member_row = ChatMember.objects.get(chat=chat, state="unknown")
    bot_chat = BotChat.objects.create(institution=institution, max_chat_id=-1, title="MAX")
    ids = {name: chat.pk for name in ("edit", "archive", "detail", "members")}
    ids["member_decide"] = (chat.pk, member_row.pk)
    ids["messenger_match"] = bot_chat.pk
    return institution, users, ids


def test_the_matrix_covers_every_view_of_the_app():
    names = {p.name for p in get_resolver("chats.urls").url_patterns}
    assert names - {"home"} == set(MATRIX), "add the new view to MATRIX"


@pytest.mark.parametrize("role", ROLES)
def test_every_chat_view_answers_each_role_as_the_rules_say(world, role):
    institution, users, ids = world
    client = login(users[role]) if role != "anonymous" else Client()
    wrong = []
    for name, (allowed, ok_status) in MATRIX.items():
        value = ids.get(name)
        args = [] if value is None else list(value) if isinstance(value, tuple) else [value]
        response = client.get(page(name, institution, *args))
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
    assert wrong == []
    assert not Chat.objects.filter(archived_at__isnull=False).exists()  # GET changes nothing


@pytest.mark.parametrize("role", ROLES)
def test_the_state_changing_views_answer_posts_as_the_rules_say(world, role):
    institution, users, ids = world
    client = login(users[role]) if role != "anonymous" else Client()
    allowed = {"admin", "superuser"}

    remind = client.post(page("remind", institution))
    archive = client.post(page("archive", institution, ids["archive"]))

    if role == "anonymous":
        assert (remind.status_code, archive.status_code) == (302, 302)
        assert reverse("login") in remind["Location"]
    elif role == "outsider":
        assert (remind.status_code, archive.status_code) == (404, 404)
    elif role in allowed:
        assert remind.status_code == 302
        assert archive.status_code == 302
    elif role == "teacher":  # the owner archives their chat, but sends no reminders
        assert (remind.status_code, archive.status_code) == (403, 302)
    else:
        assert (remind.status_code, archive.status_code) == (403, 403)
    archived = Chat.objects.get(pk=ids["archive"]).archived_at is not None
    assert archived == (role in allowed | {"teacher"})


def test_the_chats_home_leads_to_my_chats(world):
    institution, users, _ids = world

    assert reverse("login") in Client().get(reverse("chats:home"))["Location"]
    response = login(users["student"]).get(reverse("chats:home"))
    assert response.status_code == 302
    assert response["Location"] == page("my", institution)


def test_another_teacher_of_the_same_class_may_not_edit_or_archive_the_chat(world, klass):
    institution, _users, ids = world
    colleague = make_teacher(institution, klass)
    client = login(colleague.user)

    for name in ("edit", "archive"):
        assert client.get(page(name, institution, ids[name])).status_code == 403
        assert client.post(page(name, institution, ids[name])).status_code == 403
    assert Chat.objects.get(pk=ids["archive"]).archived_at is None


def test_another_institutions_chat_ids_give_404(world):
    institution, users, _ids = world
    elsewhere = make_institution()
    their_admin = make_member(elsewhere, Role.ADMIN).user
    theirs = register(their_admin, elsewhere, ChatKind.STAFF_ROOM)
    client = login(users["admin"])

    for name in ("edit", "archive"):
        # Their chat under our institution's address ...
        assert client.get(page(name, institution, theirs.pk)).status_code == 404
        assert client.post(page(name, institution, theirs.pk)).status_code == 404
        # ... and under their own.
        assert client.get(page(name, elsewhere, theirs.pk)).status_code == 404
        assert client.post(page(name, elsewhere, theirs.pk)).status_code == 404
    for name in ("board", "registry", "board_csv", "max", "my"):
        assert client.get(page(name, elsewhere)).status_code == 404
    assert client.get(page("edit", institution, 999_999)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None


# --- archive ----------------------------------------------------------------------------------


def test_archiving_asks_for_a_confirmation_first(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, title="Ребята 3А")
    client = login(teacher.user)

    confirmation = client.get(page("archive", institution, chat.pk))

    assert confirmation.status_code == 200
    assert "confirm.html" in [t.name for t in confirmation.templates]
    assert "Ребята 3А" in text_of(confirmation)
    assert '<form method="post"' in text_of(confirmation)
    chat.refresh_from_db()
    assert chat.archived_at is None

    done = client.post(page("archive", institution, chat.pk))

    assert done.status_code == 302
    assert done["Location"] == page("classes", institution)
    chat.refresh_from_db()
    assert chat.archived_at is not None
    assert chat.link not in text_of(client.get(page("my", institution)))


# --- register and edit through the forms ------------------------------------------------------


def form_data(**overrides):
    data = {
        "kind": ChatKind.CLASS_STUDENTS,
        "title": "Ребята 3А",
        "platform": Platform.VK,
        "link": chat_link("vk"),
        "member_count": "14",
    }
    data.update(overrides)
    return data


def test_a_teacher_registers_the_chat_of_their_class_through_the_form(
    institution, klass, teacher, admin_person
):
    client = login(teacher.user)
    form = client.get(page("create", institution) + f"?kind=class_parents&unit={klass.pk}")
    assert form.status_code == 200
    assert "owner" not in form.context["form"].fields  # only admins name an owner

    data = form_data(unit=klass.pk, owner=admin_person.pk)
    response = client.post(page("create", institution), data)

    assert response.status_code == 302
    assert response["Location"] == page("classes", institution)
    chat = Chat.objects.get()
    assert (chat.kind, chat.unit, chat.owner, chat.link) == (
        ChatKind.CLASS_STUDENTS,
        klass,
        teacher,
        data["link"],
    )
    assert chat.member_count == 14 and chat.member_count_at is not None


def test_a_teacher_cannot_register_a_chat_of_another_class_through_the_form(
    institution, teacher, other_class
):
    response = login(teacher.user).post(page("create", institution), form_data(unit=other_class.pk))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Chat.objects.exists()


def test_an_unverified_teacher_registers_only_other_chats_through_the_form(institution, klass):
    pending = make_teacher(institution, klass, verified=False)
    client = login(pending.user)

    refused = client.post(page("create", institution), form_data(unit=klass.pk))
    assert refused.status_code == 200
    assert not Chat.objects.exists()

    accepted = client.post(page("create", institution), form_data(kind=ChatKind.OTHER, unit=""))
    assert accepted.status_code == 302
    assert Chat.objects.get().kind == ChatKind.OTHER


BAD_LINKS = [
    (Platform.VK, "https://max.ru/join/AbCdEf123"),
    (Platform.VK, "https://example.org/some/page"),
    (Platform.VK, "javascript:alert(1)"),
]


@pytest.mark.parametrize(("platform", "link"), BAD_LINKS)
def test_a_bad_link_is_refused_by_the_form_and_nothing_is_written(
    institution, klass, teacher, platform, link
):
    response = login(teacher.user).post(
        page("create", institution), form_data(unit=klass.pk, platform=platform, link=link)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["link"]
    assert not Chat.objects.exists()


@pytest.mark.parametrize(("platform", "link"), BAD_LINKS)
def test_the_form_says_what_is_wrong_with_a_link_in_russian(
    institution, klass, teacher, platform, link
):
    response = login(teacher.user).post(
        page("create", institution), form_data(unit=klass.pk, platform=platform, link=link)
    )

    errors = " ".join(response.context["form"].errors["link"])
    assert any("а" <= ch.lower() <= "я" for ch in errors), errors
    assert errors in text_of(response) or errors.split(".")[0] in text_of(response)


def test_the_owner_updates_the_count_and_moves_the_chat_to_max_through_the_edit_page(
    institution, klass, teacher
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, platform="vk")
    client = login(teacher.user)
    form = client.get(page("edit", institution, chat.pk))
    assert form.status_code == 200
    assert "owner" not in form.context["form"].fields
    new_link = chat_link("max")

    response = client.post(
        page("edit", institution, chat.pk),
        {
            "unit": klass.pk,
            "title": chat.title,
            "platform": Platform.MAX,
            "link": new_link,
            "member_count": "21",
        },
    )

    assert response.status_code == 302
    chat.refresh_from_db()
    assert (chat.platform, chat.link, chat.member_count) == (Platform.MAX, new_link, 21)
    assert chat.moved_to_max_on == institution.local_today()
    assert chat.member_count_at is not None


def test_moving_to_max_with_the_old_vk_link_is_refused_by_the_edit_page(
    institution, klass, teacher
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, platform="vk")

    response = login(teacher.user).post(
        page("edit", institution, chat.pk),
        {"unit": klass.pk, "title": chat.title, "platform": Platform.MAX, "link": chat.link},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    chat.refresh_from_db()
    assert chat.platform == Platform.VK and chat.moved_to_max_on is None


# --- my classes -------------------------------------------------------------------------------


def test_my_classes_shows_the_teachers_required_chats_gaps_and_own_chats(
    institution, klass, other_class, teacher
):
    make_teacher(institution, other_class)  # not this teacher's gaps
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, title="Ребята 3А")

    response = login(teacher.user).get(page("classes", institution))

    assert response.status_code == 200
    rows = {(r.kind, r.unit) for r in response.context["rows"]}
    assert rows == {(ChatKind.CLASS_STUDENTS, klass), (ChatKind.CLASS_PARENTS, klass)}
    html = text_of(response)
    # A button to register the missing parents' chat, prefilled.
    assert f"{page('create', institution)}?kind=class_parents&unit={klass.pk}" in html
    assert f"?kind=class_students&unit={klass.pk}" not in html
    # The owner's own chats with their links and buttons.
    assert list(response.context["owned"]) == [chat]
    assert chat.link in html
    assert page("edit", institution, chat.pk) in html
    assert page("archive", institution, chat.pk) in html


def test_my_classes_of_an_unverified_teacher_is_empty_yet(institution, klass):
    pending = make_teacher(institution, klass, verified=False)

    response = login(pending.user).get(page("classes", institution))

    assert response.status_code == 200
    assert response.context["rows"] == []


def test_my_classes_of_the_director_shows_the_management_chats(institution, director):
    response = login(director.user).get(page("classes", institution))

    assert {r.kind for r in response.context["rows"]} == {
        ChatKind.DIRECTOR_DEPUTIES,
        ChatKind.DIRECTOR_TEACHERS,
    }


# --- the board --------------------------------------------------------------------------------


@pytest.fixture
def board_world(institution, klass, other_class, department, admin_user, director):
    first = make_teacher(institution, klass, last_name="Абрамова")
    second = make_teacher(institution, other_class, last_name="Белов")
    third = make_teacher(institution, department, last_name="Волков")
    register(first.user, institution, ChatKind.CLASS_STUDENTS, klass, title="3А ребята")
    register(first.user, institution, ChatKind.CLASS_PARENTS, klass, title="3А родители")
    register(second.user, institution, ChatKind.CLASS_PARENTS, other_class, title="3Б родители")
    register(director.user, institution, ChatKind.DIRECTOR_DEPUTIES, title="Администрация")
    return first, second, third


def rows_of(response) -> set[tuple[str, str | None, bool]]:
    return {(r.kind, r.unit.name if r.unit else None, r.met) for r in response.context["rows"]}


def test_the_board_shows_every_requirement_with_the_percentage(
    institution, board_world, admin_client
):
    response = admin_client.get(page("board", institution))

    assert response.status_code == 200
    assert rows_of(response) == {
        (ChatKind.DIRECTOR_DEPUTIES, None, True),
        (ChatKind.DIRECTOR_TEACHERS, None, False),
        (ChatKind.STAFF_ROOM, None, False),
        (ChatKind.CLASS_STUDENTS, "3А", True),
        (ChatKind.CLASS_PARENTS, "3А", True),
        (ChatKind.CLASS_STUDENTS, "3Б", False),
        (ChatKind.CLASS_PARENTS, "3Б", True),
        (ChatKind.DEPARTMENT_TEACHERS, "Художественный отдел", False),
    }
    board = response.context["board"]
    assert (board.met, board.total, board.percent) == (4, 8, 50)
    html = text_of(response)
    assert "50%" in html
    for title in ("3А ребята", "3А родители", "3Б родители", "Администрация"):
        assert title in html
    assert response.context["can_remind"] is True
    assert page("remind", institution) in html


def test_the_director_sees_the_board_without_the_reminder_button(
    institution, board_world, director
):
    response = login(director.user).get(page("board", institution))

    assert response.status_code == 200
    assert response.context["can_remind"] is False
    assert page("remind", institution) not in text_of(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "scope=institution",
            {ChatKind.DIRECTOR_DEPUTIES, ChatKind.DIRECTOR_TEACHERS, "staff_room"},
        ),
        ("scope=class", {"3А", "3Б"}),
        ("scope=department", {"Художественный отдел"}),
    ],
)
def test_the_board_filters_by_scope(institution, board_world, admin_client, query, expected):
    response = admin_client.get(page("board", institution) + "?" + query)

    found = {r.unit.name if r.unit else r.kind for r in response.context["rows"]}
    assert found == expected


def test_the_board_filters_the_gaps_and_a_teachers_rows(institution, board_world, admin_client):
    first, second, third = board_world

    gaps = admin_client.get(page("board", institution) + "?gaps=on")
    assert rows_of(gaps) == {
        (ChatKind.DIRECTOR_TEACHERS, None, False),
        (ChatKind.STAFF_ROOM, None, False),
        (ChatKind.CLASS_STUDENTS, "3Б", False),
        (ChatKind.DEPARTMENT_TEACHERS, "Художественный отдел", False),
    }
    of_second = admin_client.get(page("board", institution) + f"?teacher={second.pk}")
    assert rows_of(of_second) == {
        (ChatKind.CLASS_STUDENTS, "3Б", False),
        (ChatKind.CLASS_PARENTS, "3Б", True),
    }
    gaps_of_first = admin_client.get(page("board", institution) + f"?teacher={first.pk}&gaps=on")
    assert rows_of(gaps_of_first) == set()
    assert "3А ребята" not in text_of(gaps_of_first)
    combined = admin_client.get(page("board", institution) + "?scope=class&gaps=on")
    assert rows_of(combined) == {(ChatKind.CLASS_STUDENTS, "3Б", False)}
    # The figures stay those of the whole institution.
    assert combined.context["board"].percent == 50


def test_the_board_lists_the_teachers_with_their_gaps(institution, board_world, admin_client):
    first, second, third = board_world

    response = admin_client.get(page("board", institution))

    by_teacher = {
        p.pk: (required, missing) for p, required, missing in response.context["teachers"]
    }
    # Only who has gaps is listed, so that the board does not grow with the staff.
    assert first.pk not in by_teacher
    assert by_teacher[second.pk] == (2, 1)
    assert by_teacher[third.pk] == (1, 1)
    html = text_of(response)
    for person in (second, third):
        assert f"?teacher={person.pk}" in html


def test_the_board_takes_the_same_number_of_queries_whatever_the_size(db):
    small, large = make_institution(), make_institution()
    small_admin = populate(small, classes=1, departments=1)
    large_admin = populate(large, classes=12, departments=3)
    counts = {}
    for name, institution, admin in (("small", small, small_admin), ("large", large, large_admin)):
        client = login(admin)
        client.get(page("board", institution))  # the session is warm
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page("board", institution))
        assert response.status_code == 200
        counts[name] = (len(captured), response.context["page"].paginator.count)

    assert counts["large"][1] > 5 * counts["small"][1]
    assert counts["small"][0] == counts["large"][0]


# --- CSV --------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")  # Excel opens UTF-8 with a byte-order mark
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


def test_the_csv_export_has_one_row_per_requirement(institution, board_world, admin_client):
    response = admin_client.get(page("board_csv", institution))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "charset=utf-8" in response["Content-Type"]
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    header, *rows = read_csv(response)
    assert len(header) == 5
    board = selectors.compliance(institution)
    assert len(rows) == board.total == 8
    units = sorted(row[0] for row in rows)
    assert units == sorted(
        [str(institution)] * 3
        + [str(u) for u in institution.units.filter(kind="class") for _ in range(2)]
        + ["Художественный отдел"]
    )
    parents_3b = next(r for r in rows if r[0].startswith("3Б") and "3Б родители" in r[4])
    assert "Белов" in parents_3b[2]
    assert str(Platform.VK.label) in parents_3b[4]
    # Two statuses: the rows with chats share one, the rows without share the other.
    present = {row[3] for row in rows if row[4]}
    missing = {row[3] for row in rows if not row[4]}
    assert len(present) == len(missing) == 1 and present != missing
    assert sum(1 for row in rows if row[4]) == board.met == 4
    assert any("Администрация" in row[4] for row in rows)
    assert AuditEvent.objects.filter(action="chat.export").count() == 1


def test_the_csv_export_follows_the_boards_filters(
    institution, board_world, admin_client, other_class
):
    response = admin_client.get(page("board_csv", institution) + "?gaps=on&scope=class")

    _header, *rows = read_csv(response)
    assert [row[0] for row in rows] == [str(other_class)]
    assert rows[0][1] == str(ChatKind.CLASS_STUDENTS.label)


def test_the_csv_export_speaks_russian(institution, board_world, admin_client):
    header, *rows = read_csv(admin_client.get(page("board_csv", institution)))

    assert all(cyrillic_only(cell) for cell in header), header
    assert all(cyrillic_only(row[3]) for row in rows), {row[3] for row in rows}


def test_the_csv_export_neutralises_cells_that_excel_would_run_as_formulas(
    institution, klass, teacher, admin_client
):
    register(
        teacher.user,
        institution,
        ChatKind.CLASS_STUDENTS,
        klass,
        title='=HYPERLINK("https://evil.example/","Открыть")',
    )

    _header, *rows = read_csv(admin_client.get(page("board_csv", institution)))

    cells = [cell for row in rows for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


# --- registry ---------------------------------------------------------------------------------


def test_the_registry_filters_by_kind_platform_unit_owner_and_state(
    institution, board_world, admin_client, klass
):
    first, second, _third = board_world
    archived = register(
        first.user, institution, ChatKind.OTHER, klass, title="Старый", platform="max"
    )
    services.archive_chat(chat=archived, by=first.user)
    url = page("registry", institution)

    def titles(query=""):
        response = admin_client.get(f"{url}?{query}")
        assert response.status_code == 200
        return {c.title for c in response.context["page"].object_list}

    assert titles() == {"3А ребята", "3А родители", "3Б родители", "Администрация"}
    assert titles("kind=class_parents") == {"3А родители", "3Б родители"}
    assert titles(f"unit={klass.pk}") == {"3А ребята", "3А родители"}
    assert titles(f"owner={second.pk}") == {"3Б родители"}
    assert titles("platform=max") == set()
    assert titles("state=archived") == {"Старый"}
    assert titles("state=no_owner") == set()


# --- MAX migration ----------------------------------------------------------------------------


def test_the_max_page_gives_the_share_on_max_by_unit_and_owner_and_the_chats_on_vk(
    institution, klass, other_class, teacher, admin_user, admin_client
):
    other = make_teacher(institution, other_class, last_name="Белов")
    on_max = [
        register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, platform="max"),
        register(teacher.user, institution, ChatKind.CLASS_PARENTS, klass, platform="max"),
        register(admin_user, institution, ChatKind.STAFF_ROOM, platform="max"),
    ]
    on_vk = [
        register(other.user, institution, ChatKind.CLASS_STUDENTS, other_class, title="3Б на VK"),
        register(teacher.user, institution, ChatKind.OTHER, title="Кружок на VK"),
    ]
    gone = register(other.user, institution, ChatKind.CLASS_PARENTS, other_class, title="Архив VK")
    services.archive_chat(chat=gone, by=other.user)

    response = admin_client.get(page("max", institution))

    assert response.status_code == 200
    data = response.context["data"]
    assert (data["total"], data["on_max"], data["percent"]) == (5, 3, 60)
    by_unit = {r["unit__name"]: (r["on_max"], r["total"]) for r in data["by_unit"]}
    assert by_unit == {"3А": (2, 2), "3Б": (0, 1), None: (1, 2)}
    by_owner = {r["owner__last_name"]: (r["on_max"], r["total"]) for r in data["by_owner"]}
    assert by_owner[teacher.last_name] == (2, 3)
    assert by_owner["Белов"] == (0, 1)
    assert sorted(c.pk for c in data["on_vk"]) == sorted(c.pk for c in on_vk)
    html = text_of(response)
    assert "60%" in html
    for chat in on_vk:
        assert chat.title in html
    assert "Архив VK" not in html
    assert len(on_max) == 3


def test_the_max_page_of_an_institution_without_chats(institution, admin_client):
    response = admin_client.get(page("max", institution))

    assert response.status_code == 200
    assert (response.context["data"]["total"], response.context["data"]["percent"]) == (0, 0)


def test_the_registry_exports_every_filtered_chat_without_its_link(institution, admin_user):
    from openpyxl import load_workbook

    from .helpers import register

    chats = [register(admin_user, institution, ChatKind.OTHER, title=f"Чат {n}") for n in range(30)]
    client = login(admin_user)
    response = client.get(reverse("chats:registry_xlsx", args=[institution.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert {f"Чат {n}" for n in range(30)} <= set(values)  # all 30, not one page
    assert not any(chat.link in str(v) for chat in chats for v in values)
    assert "Реестр чатов" in values
    csv = client.get(reverse("chats:registry_csv", args=[institution.pk]))
    text = csv.getvalue().decode("utf-8-sig")
    assert "Чат 29" in text and "vk.me" not in text and "https://" not in text
    assert AuditEvent.objects.filter(action="chats.export").count() == 2
