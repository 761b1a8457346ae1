"""The compliance board: every class with its state, the same figure of classes with their chats
as the statistics (regulation 2.2.7), computed and paged in the database, as XLSX and print."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from chats import selectors
from chats.models import ChatKind
from chats.rules import ClassState
from roles import services as roles_services
from roles.models import AuditEvent, Role, UnitKind
from stats import services as stats_services
from stats.models import UsageSnapshot
from stats.selectors import shares_of

from ..conftest import login
from ..factories import make_institution, make_member, make_unit
from .helpers import page, populate, register, ru, text_of
from .helpers import teacher as make_teacher


@pytest.fixture
def every_state(institution, admin_user):
    """Six classes: two with their chats, one with a gap, one whose teacher is not verified,
    one whose teacher left (its chat waits for a new owner), one with no teacher at all."""
    complete = []
    for name in ("1А", "1Б"):
        unit = make_unit(institution, UnitKind.CLASS, name)
        person = make_teacher(institution, unit, last_name=f"Учитель{name}")
        register(person.user, institution, ChatKind.CLASS_STUDENTS, unit, title=f"{name} ребята")
        register(person.user, institution, ChatKind.CLASS_PARENTS, unit, title=f"{name} родители")
        complete.append(unit)
    gaps = make_unit(institution, UnitKind.CLASS, "2А")
    person = make_teacher(institution, gaps, last_name="Пробелова")
    register(person.user, institution, ChatKind.CLASS_STUDENTS, gaps, title="2А ребята")
    unverified = make_unit(institution, UnitKind.CLASS, "3А")
    make_teacher(institution, unverified, last_name="Новенькая", verified=False)
    left = make_unit(institution, UnitKind.CLASS, "4А")
    leaver = make_teacher(institution, left, last_name="Ушедшая")
    register(leaver.user, institution, ChatKind.CLASS_STUDENTS, left, title="4А ребята")
    register(leaver.user, institution, ChatKind.CLASS_PARENTS, left, title="4А родители")
    roles_services.leave(person=leaver, effective_date=institution.local_today(), by=admin_user)
    empty = make_unit(institution, UnitKind.CLASS, "5А")
    return {
        ClassState.COMPLETE: complete,
        ClassState.GAPS: [gaps],
        ClassState.NO_VERIFIED_TEACHER: [unverified],
        ClassState.NEEDS_OWNER: [left, empty],
    }


def test_the_board_and_the_statistics_count_the_classes_with_their_chats_alike(
    institution, every_state, admin_client, director
):
    """The board's figure and the statistics' figure of the same day, from the same rule."""
    today = institution.local_today()
    stats_services.rollup(day=today, institution=institution)
    snapshot = UsageSnapshot.objects.get(institution=institution, day=today)

    response = admin_client.get(page("board", institution))
    totals = response.context["board"]

    assert (totals.classes_with_chats, totals.classes_total) == (2, 6)
    assert (snapshot.classes_with_chats, snapshot.classes_total) == (2, 6)
    assert totals.classes_percent == shares_of(snapshot)["classes_with_chats_share"] == 33.3
    assert totals.class_states == {state: len(units) for state, units in every_state.items()}
    # The statistics page shows today's figure once recalculated: the same as the board's.
    stats_page = text_of(login(director.user).get(reverse("stats:overview")))
    assert 'data-figure="classes-with-chats-share">33,3<' in stats_page
    assert 'data-figure="classes-with-chats-share">33,3<' in text_of(response)


def test_the_board_lists_every_class_with_its_state_in_russian(
    institution, every_state, admin_client
):
    response = admin_client.get(page("board", institution) + "?scope=class")

    rows = list(response.context["rows"])
    by_unit = {}
    for row in rows:
        by_unit.setdefault(row.unit.name, set()).add(row.status)
    assert by_unit == {
        "1А": {"present"},
        "1Б": {"present"},
        "2А": {"present", "missing"},
        "3А": {ClassState.NO_VERIFIED_TEACHER},
        "4А": {ClassState.NEEDS_OWNER},
        "5А": {ClassState.NEEDS_OWNER},
    }
    assert len(rows) == 12  # two chats a class, whatever its state
    html = text_of(response)
    assert ru("chats not yet required: no verified teacher").capitalize() in html
    assert ru("needs a new owner: no teacher in the class").capitalize() in html
    assert "4А ребята" in html  # the leaver's chats are shown, waiting for a new owner
    # The requirements' percentage counts only the classes that require their chats.
    totals = response.context["board"]
    assert totals.total == 3 + 2 * 3


def test_only_gaps_shows_what_asks_for_something_to_be_done(institution, every_state, admin_client):
    response = admin_client.get(page("board", institution) + "?scope=class&gaps=on")

    found = {(r.unit.name, r.kind, r.status) for r in response.context["rows"]}
    assert found == {
        ("2А", ChatKind.CLASS_PARENTS, "missing"),
        ("4А", ChatKind.CLASS_STUDENTS, ClassState.NEEDS_OWNER),
        ("4А", ChatKind.CLASS_PARENTS, ClassState.NEEDS_OWNER),
        ("5А", ChatKind.CLASS_STUDENTS, ClassState.NEEDS_OWNER),
        ("5А", ChatKind.CLASS_PARENTS, ClassState.NEEDS_OWNER),
    }


def test_the_board_pages_its_rows_in_the_database_in_order(db):
    institution = make_institution()
    admin = populate(institution, classes=30, departments=2)
    client = login(admin)

    first = client.get(page("board", institution))
    second = client.get(page("board", institution) + "?page=2")

    board = selectors.board(institution)
    everything = [(r.kind, r.unit.pk if r.unit else None) for r in board]
    assert len(everything) == 3 + 2 * 30 + 2
    shown = [
        (r.kind, r.unit.pk if r.unit else None)
        for response in (first, second)
        for r in response.context["page"].object_list
    ]
    assert shown == everything[: len(shown)]
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == len(everything)
    # The institution first, then the classes (by name), then the departments.
    kinds = [r.unit.kind if r.unit else "" for r in board]
    assert kinds == sorted(kinds, key=["", UnitKind.CLASS, UnitKind.DEPARTMENT].index)


@pytest.mark.parametrize("url_name", ["board", "board_xlsx", "board_print"])
def test_the_board_takes_at_most_ten_queries_the_same_for_a_big_and_a_small_institution(
    db, django_assert_max_num_queries, url_name
):
    """The board's own queries, whatever the size (the session, the user and the
    institution's permission checks of every page come on top: see `overhead`)."""
    counts = {}
    for name, classes in (("small", 2), ("big", 40)):
        institution = make_institution()
        admin = populate(institution, classes=classes, departments=3)
        client = login(admin)
        client.get(reverse("chats:my", args=[institution.pk]))  # the session is warm
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as overhead:
            client.get(reverse("chats:my", args=[institution.pk]))
        base = len(overhead) - 2  # "my chats" itself: two queries
        with django_assert_max_num_queries(base + 10) as captured:
            response = client.get(page(url_name, institution))
        assert response.status_code == 200
        counts[name] = len(captured)
    assert counts["small"] == counts["big"]


def test_the_board_as_xlsx_has_the_rows_of_the_page_with_its_filters(
    institution, every_state, admin_user
):
    from openpyxl import load_workbook

    client = login(admin_user)
    response = client.get(page("board_xlsx", institution) + "?scope=class&gaps=on")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
    unit = ru("unit").lower()
    header_at = next(n for n, row in enumerate(rows) if row and str(row[0]).lower() == unit)
    data = [row for row in rows[header_at + 1 :] if row and row[0]]
    page_rows = client.get(page("board", institution) + "?scope=class&gaps=on").context["rows"]
    assert [(str(r[0]), r[1], r[3]) for r in data] == [
        (str(row.unit), str(row.kind_label), str(row.status_label)) for row in page_rows
    ]
    cells = " ".join(str(c) for row in rows for c in row if c)
    assert ru("Required chats") in cells
    assert ru("only gaps").lower() in cells.lower()  # the filters are written above the table
    assert "https://" not in cells  # never a chat's link
    assert AuditEvent.objects.filter(action="chats-compliance.export").count() == 1


def test_the_board_prints_every_row_with_a_link_back(institution, every_state, admin_user):
    response = login(admin_user).get(page("board_print", institution) + "?scope=class")

    assert response.status_code == 200
    html = text_of(response)
    for name in ("1А", "2А", "3А", "4А", "5А"):
        assert name in html
    assert page("board", institution) + "?scope=class" in html
    assert "https://vk.me" not in html


def test_the_old_csv_of_the_board_still_answers(institution, every_state, admin_client):
    response = admin_client.get(page("board_csv", institution))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "5А" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("url_name", ["board_xlsx", "board_print"])
def test_the_board_exports_are_for_those_who_see_the_board(institution, klass, url_name):
    allowed = {Role.DIRECTOR, Role.DEPUTY, Role.ADMIN}
    for role in (Role.DIRECTOR, Role.DEPUTY, Role.ADMIN, Role.TEACHER):
        user = make_member(institution, role).user
        status = login(user).get(page(url_name, institution)).status_code
        assert status == (200 if role in allowed else 403), role
    assert Client().get(page(url_name, institution)).status_code == 302
