"""The director opens the compliance board and the statistics, in Chromium, and reads the same
figure of classes with their chats on both (regulation 2.2.7): one rule for both pages."""

from __future__ import annotations

import pytest

from chats.models import ChatKind
from roles import services as roles_services
from roles.models import Person, Role, UnitKind

from ..chats.helpers import register
from ..chats.helpers import teacher as make_teacher
from ..factories import make_institution, make_member, make_unit
from .test_scenario import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def school():
    """Four classes: one with its chats, one with a gap, one whose teacher is not verified
    yet, one whose teacher left."""
    institution = make_institution("Школа № 7")
    admin = make_member(institution, Role.ADMIN)
    director = Person.objects.get(institution=institution, memberships__role=Role.DIRECTOR)
    complete = make_unit(institution, UnitKind.CLASS, "1А")
    person = make_teacher(institution, complete, last_name="Полнова")
    register(person.user, institution, ChatKind.CLASS_STUDENTS, complete, title="1А ребята")
    register(person.user, institution, ChatKind.CLASS_PARENTS, complete, title="1А родители")
    gaps = make_unit(institution, UnitKind.CLASS, "2А")
    person = make_teacher(institution, gaps, last_name="Пробелова")
    register(person.user, institution, ChatKind.CLASS_STUDENTS, gaps, title="2А ребята")
    unverified = make_unit(institution, UnitKind.CLASS, "3А")
    make_teacher(institution, unverified, last_name="Новенькая", verified=False)
    left = make_unit(institution, UnitKind.CLASS, "4А")
    leaver = make_teacher(institution, left, last_name="Ушедшая")
    register(leaver.user, institution, ChatKind.CLASS_STUDENTS, left, title="4А ребята")
    roles_services.leave(person=leaver, effective_date=institution.local_today(), by=admin.user)
    return institution, director.user


def test_the_director_reads_the_same_figure_on_the_board_and_in_the_statistics(
    browsers, school, job_worker
):
    institution, director_user = school
    director = browsers.page("director")
    log_in(director, director_user.username)

    director.goto(f"/chats/{institution.pk}/board/?scope=class")
    board_share = director.inner_text("#classes-with-chats [data-figure=classes-with-chats-share]")
    board_count = director.inner_text("#classes-with-chats [data-figure=classes-with-chats]")
    assert (board_share.strip(), board_count.strip()) == ("25,0", "1")
    main = director.inner_text("main")
    assert "Чаты пока не требуются: нет подтверждённого учителя" in main
    assert "Нужен новый владелец: в классе нет учителя" in main

    director.goto("/stats/")
    director.click("text=Пересчитать сейчас")
    director.wait_for_load_state()
    # The page refreshes itself while the job runs (on a real worker in .ci/browser).
    director.wait_for_selector("#today-figures", timeout=60_000)
    stats_share = director.inner_text("#today-figures [data-figure=classes-with-chats-share]")
    assert stats_share.strip() == board_share.strip()
    assert "1 из 4" in director.inner_text("#today-figures")

    assert browsers.csp_violations == []
    assert browsers.console_errors == []
