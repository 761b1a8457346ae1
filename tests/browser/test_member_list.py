"""The owner of a class chat pastes its member list in Chromium, checks the matches, saves, and
sees the three lists: in the chat, should be but are not, in the chat but not on the roster."""

from __future__ import annotations

import pytest

from chats.models import ChatReconciliation

from ..chats.members_helpers import build_school
from ..factories import PASSWORD, make_institution
from .test_scenario import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTED = """Участники 6
Пригласить в чат
Анна Соколова (вы)
Владелец
Иван Иванов
в сети
Мария Петрова 🌸
был(а) в сети 5 минут назад
Денис Орлов
Артём Незнакомов
был(а) недавно
"""


def test_the_owner_pastes_a_member_list_and_sees_the_three_lists(browsers):
    school = build_school(make_institution("Школа № 7"))
    chat = school.students_chat
    page = browsers.page("teacher")
    log_in(page, school.teacher.user.username, PASSWORD)

    page.goto(f"/chats/{school.institution.pk}/classes/")
    page.get_by_role("link", name="5А: ученики").first.wait_for(state="attached")
    page.goto(f"/chats/{school.institution.pk}/{chat.pk}/")
    page.locator(f"a[href='/chats/{school.institution.pk}/{chat.pk}/members/']").click()
    page.fill("#id_text", PASTED)
    page.locator("#member-list-form button[type=submit]").click()
    page.wait_for_selector("#member-list-save")

    preview = page.locator("[data-list=strangers]")
    assert "Артём Незнакомов" in preview.inner_text()
    assert ChatReconciliation.objects.filter(chat=chat).count() == 0  # nothing saved yet

    page.locator("#member-list-save button[type=submit]").click()
    page.wait_for_url(f"**/chats/{school.institution.pk}/{chat.pk}/")

    present = page.locator("table[data-list=present]").inner_text()
    missing = page.locator("table[data-list=missing]").inner_text()
    strangers = page.locator("table[data-list=strangers]").inner_text()
    assert "Иванов Иван Сергеевич" in present and "Петрова Мария Андреевна" in present
    assert "Соколова Анна Викторовна" in present
    assert "Сидоров Пётр" in missing and "Козлова Алёна Игоревна" in missing
    assert "Смирнов Егор Павлович" in missing
    assert "Артём Незнакомов" in strangers and "Денис Орлов" in strangers
    assert ChatReconciliation.objects.get(chat=chat).present == 3
    assert browsers.csp_violations == []
    assert browsers.console_errors == []
