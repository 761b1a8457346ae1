"""The compliance board kept in the cache under the institution's stamp (issue 17): a second
view reads its rows no more, and every change of what it shows is on the next view, whether
it came through a model's signal or an update of a service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import selectors, services
from chats.models import ChatKind
from chats.rules import ClassState
from roles import services as roles_services
from roles.models import UnitKind

from ..conftest import login
from ..factories import make_unit
from .helpers import page, populate, register
from .helpers import teacher as make_teacher
from .test_memberlist import VK

pytestmark = pytest.mark.django_db


def rows_of(institution) -> dict[tuple[str, str], object]:
    """(unit name, chat kind) -> the board's row, read as the page reads it."""
    board = selectors.board(institution)
    return {(row.unit.name if row.unit else "", row.kind): row for row in board[0 : board.count()]}


def class_states(institution) -> dict[str, int]:
    return selectors.board(institution).totals_loaded().class_states


def test_a_second_view_of_the_board_reads_its_rows_no_more(institution):
    admin = populate(institution, classes=6, departments=2)
    client = login(admin)
    url = page("board", institution)
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    freshness_moved = register(admin, institution, ChatKind.STAFF_ROOM, title="Ещё учительская")
    assert freshness_moved.pk
    with CaptureQueriesContext(connection) as afresh:
        client.get(url)
    with CaptureQueriesContext(connection) as kept:
        client.get(url)
    # Kept: the session, the user, the institution and the filter form's teachers.
    assert len(kept) == len(first) <= 5
    assert len(afresh) >= len(kept) + 5  # the totals, the rows, their teachers and chats, who


def test_a_chat_registered_fills_its_gap(institution, admin_user):
    klass = make_unit(institution, UnitKind.CLASS, "7А")
    owner = make_teacher(institution, klass)
    assert rows_of(institution)[("7А", ChatKind.CLASS_STUDENTS)].met is False
    register(owner.user, institution, ChatKind.CLASS_STUDENTS, klass, title="7А ребята")
    assert rows_of(institution)[("7А", ChatKind.CLASS_STUDENTS)].met is True


def test_a_teacher_verified_by_an_update_changes_the_class_state(institution, admin_user):
    klass = make_unit(institution, UnitKind.CLASS, "7Б")
    newcomer = make_teacher(institution, klass, verified=False)
    assert class_states(institution)[ClassState.NO_VERIFIED_TEACHER] == 1
    roles_services.decide_teacher_verification(
        person=newcomer, by=admin_user, approve=True, notify=False
    )
    assert class_states(institution)[ClassState.NO_VERIFIED_TEACHER] == 0


def test_a_leavers_chats_released_by_an_update_wait_for_an_owner(institution, admin_user):
    klass = make_unit(institution, UnitKind.CLASS, "7В")
    leaver = make_teacher(institution, klass)
    chat = register(leaver.user, institution, ChatKind.CLASS_PARENTS, klass)
    assert selectors.board(institution).totals_loaded().needs_owner == []
    roles_services.leave(person=leaver, effective_date=institution.local_today(), by=admin_user)
    needs_owner = selectors.board(institution).totals_loaded().needs_owner
    assert [c.pk for c in needs_owner] == [chat.pk]


def test_a_reconciliation_rerun_written_by_an_update_is_shown(school):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)
    row = rows_of(school.institution)[("5А", ChatKind.CLASS_STUDENTS)]
    present = row.chats[0].reconciled.present
    fewer = VK.replace("Пётр Сидоров\n", "")
    services.reconcile_pasted(chat=chat, text=fewer, by=school.teacher.user)
    row = rows_of(school.institution)[("5А", ChatKind.CLASS_STUDENTS)]
    assert row.chats[0].reconciled.present == present - 1


def test_a_rerun_that_changes_no_member_still_shows_when_it_was_checked(school):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)
    first = rows_of(school.institution)[("5А", ChatKind.CLASS_STUDENTS)].chats[0].reconciled
    services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)
    again = rows_of(school.institution)[("5А", ChatKind.CLASS_STUDENTS)].chats[0].reconciled
    assert again.checked_at > first.checked_at


def test_the_drawn_board_shows_a_change_on_the_next_view_in_each_language(
    institution, admin_user, settings
):
    klass = make_unit(institution, UnitKind.CLASS, "7Г")
    owner = make_teacher(institution, klass)
    client = login(admin_user)
    url = page("board", institution)
    assert "Чат седьмого" not in client.get(url).content.decode()
    register(owner.user, institution, ChatKind.CLASS_STUDENTS, klass, title="Чат седьмого")
    assert "Чат седьмого" in client.get(url).content.decode()
    # Each language has its own drawing of the same rows.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    russian = client.get(url).content.decode()
    assert ">Responsible<" in english and ">Ответственные<" not in english
    assert ">Ответственные<" in russian and ">Responsible<" not in russian
