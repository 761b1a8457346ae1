"""Issue 13, items 8 and 9, through the pages: readable and correct Russian (the noun «Ссылка»,
names never declined, the audit log in words, names instead of logins, Russia's time zones,
«все» in filters) and «Справка» with the first steps of every role."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from channels_app import services as channel_services
from channels_app.models import EventKind
from invitations import services as invitation_services
from roles import services
from roles.models import AuditEvent, PersonKind, Role, UnitKind

from .conftest import login
from .factories import make_institution, make_member, make_person, make_unit
from .test_locale import LOCALE, _po_entries
from .test_russian_pages import visible_text

ROLES = ["director", "deputy", "admin", "teacher", "student", "parent"]


@pytest.fixture
def school(db):
    """One institution with a member of every role (the admin a verified teacher by order)."""
    institution = make_institution("МОУДО «Тестовый центр»")
    klass = make_unit(institution, UnitKind.CLASS, "Живопись-1", academic_year="2026/2027")
    users = {
        "admin": make_member(institution, Role.ADMIN).user,
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "teacher": make_member(institution, Role.TEACHER, klass, verified=True).user,
        "student": make_member(institution, Role.STUDENT, klass).user,
        "parent": make_member(institution, Role.PARENT, klass).user,
    }
    for user in users.values():  # as the portal names them: «Фамилия Имя»
        user.first_name, user.last_name = "Ольга", f"Смирнова-{user.pk}"
        user.save()
    return institution, klass, users


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return visible_text(response.content.decode())


def options(response, name: str) -> list[tuple[str, str]]:
    """(value, label) of a select's options, in order (optgroups flattened)."""
    body = response.content.decode()
    select = re.search(rf'<select name="{name}".*?</select>', body, re.S).group(0)
    return [
        (html.unescape(value), html.unescape(label).strip())
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    ]


# --- «Ссылка» is the noun, «Привязать» the verb


def test_link_the_noun_reads_ssylka_and_the_verb_privyazat(school):
    institution, klass, users = school
    starts = timezone.now() + dt.timedelta(days=2)
    event = channel_services.create_event(
        institution=institution,
        kind=EventKind.BROADCAST,
        title="Родительское собрание",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        by=users["admin"],
        meeting_link="https://sferum.ru/?call_link=Test",
    )
    channel_services.create_channel(institution=institution, name="Новости", by=users["admin"])
    admin = login(users["admin"])

    page = text(admin.get(reverse("channels:event", args=[institution.pk, event.pk])))
    assert "Ссылка https://sferum.ru/?call_link=Test" in page and "Привязать" not in page
    page = text(admin.get(reverse("channels:channels", args=[institution.pk])))
    assert "Ссылка" in page and "Привязать" not in page
    parent = make_person(institution, kind=PersonKind.PARENT, last_name="Родителева")
    page = admin.get(reverse("roles:person", args=[institution.pk, parent.pk])).content.decode()
    assert re.search(r'<button[^>]*type="submit">Привязать</button>', page)


# --- names of units, chats and people are never declined


# A preposition right before a name the portal fills in: «в «Учительская»» cannot be right for
# every name; «в подразделение «Учительская»» or «подразделение: Учительская» always is.
NAMES = (
    "unit|chat|from|to|institution|person|name|names|remove|keep|kept|removed|people|parent"
    "|student|title|channel|bot_chat"
)
DECLINED = re.compile(
    r"(?<![\w-])(в|во|из|с|со|к|ко|у|от|до|для|по|на|о|об|при|за|под|над|перед|между|через|про)"
    rf"\s+«?%\(({NAMES})\)s",
    re.IGNORECASE,
)


def test_no_russian_message_puts_a_name_right_after_a_preposition():
    entries = _po_entries(LOCALE / "ru/LC_MESSAGES/django.po")
    declined = {k: v for k, v in entries.items() if DECLINED.search(v)}
    assert declined == {}


def test_a_units_name_reads_in_the_nominative_on_the_pages(school):
    institution, klass, users = school
    staff_room = services.staff_room(institution)
    admin = login(users["admin"])

    page = text(admin.get(reverse("invitations:revoke_unit", args=[institution.pk, staff_room.pk])))
    assert "Отозвать все неиспользованные ссылки в подразделение «Учительская»?" in page
    response = admin.post(reverse("invitations:revoke_unit", args=[institution.pk, klass.pk]))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="invitation.revoke_unit",
        summary__contains="в подразделение «Живопись-1 (2026/2027)»",
    ).exists()


# --- the audit log: actions in words, dates dd.mm.yyyy, names


def test_the_audit_log_shows_actions_in_russian_dates_as_dd_mm_yyyy_and_names(school):
    institution, klass, users = school
    director = users["director"]
    person = make_person(institution, kind=PersonKind.STAFF, last_name="Назначенова")
    services.enrol(
        person=person,
        unit=services.staff_room(institution),
        role=Role.TEACHER,
        effective_date=dt.date(2026, 9, 1),
        by=director,
    )
    # A row written before dates were formatted keeps its ISO date in the database.
    AuditEvent.objects.create(
        institution=institution,
        actor=director,
        action="movement.leave",
        summary="выбытие: Старая Запись (2025-06-30)",
    )
    client = login(director)

    body = client.get(reverse("roles:audit", args=[institution.pk])).content.decode()
    page = visible_text(re.search(r"<table.*?</table>", body, re.S)[0])
    assert "Зачисление Зачисление: Назначенова Иван (01.09.2026)" in page
    assert "Выбытие выбытие: Старая Запись (30.06.2025)" in page
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", page)
    assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", page), "an action shown as its code"
    assert f"{director.last_name} {director.first_name}" in page
    assert director.username not in page
    # The filter is by section, in words.
    labels = dict(options(client.get(reverse("roles:audit", args=[institution.pk])), "action"))
    assert labels[""] == "все" and labels["movement."] == "журнал движения"
    page = text(client.get(reverse("roles:audit", args=[institution.pk]), {"action": "movement."}))
    assert "Назначенова" in page and "Добавлен человек" not in page


def test_an_appointments_audit_row_dates_its_order_as_dd_mm_yyyy(school):
    institution, klass, users = school
    text_of_log = text(login(users["director"]).get(reverse("roles:audit", args=[institution.pk])))
    assert "Назначен администратор" in text_of_log
    assert "приказ № 1-од от 01.09.2025" in text_of_log


# --- names, not logins


def test_lists_show_peoples_names_not_their_logins(school):
    institution, klass, users = school
    admin = users["admin"]
    invitation_services.create_invitation(unit=klass, role=Role.STUDENT, created_by=admin)
    family = invitation_services.passwordless_user(first_name="Оля", last_name="Беспарольная")
    make_person(institution, kind=PersonKind.STUDENT, last_name="Беспарольная", user=family)
    client = login(admin)

    page = text(client.get(reverse("invitations:list", args=[institution.pk])))
    assert f"{admin.last_name} {admin.first_name}" in page and admin.username not in page
    page = text(client.get(reverse("roles:people", args=[institution.pk])))
    assert family.username not in page and "входит без пароля" in page
    page = text(client.get(reverse("roles:appointments", args=[institution.pk])))
    assert not re.search(r"\buser\d+\b", page)


# --- time zones


def test_time_zones_offer_russias_zones_by_russian_names_first(school):
    institution, klass, users = school
    client = login(users["director"])
    choices = options(
        client.get(reverse("roles:institution_edit", args=[institution.pk])), "timezone"
    )
    labels = [label for _value, label in choices]
    assert labels[0] == "Калининград (UTC+2)"
    assert labels[1] == "Москва (UTC+3)"
    russian = [label for label in labels if "(UTC+" in label]
    assert labels[: len(russian)] == russian, "Russia's zones come first"
    assert len(russian) >= 11 and "Камчатка (UTC+12)" in russian
    assert "Владивосток (UTC+10)" in russian and "Екатеринбург (UTC+5)" in russian
    offsets = [int(re.search(r"UTC\+(\d+)", label).group(1)) for label in russian]
    assert offsets == sorted(offsets) and offsets[0] == 2 and offsets[-1] == 12
    values = [value for value, _label in choices]
    assert "Europe/Berlin" in values[len(russian) :]

    response = client.post(
        reverse("roles:institution_edit", args=[institution.pk]),
        {"name": institution.name, "timezone": "Asia/Vladivostok"},
    )
    assert response.status_code == 302
    page = text(client.get(reverse("roles:institution", args=[institution.pk])))
    assert "Владивосток (UTC+10)" in page and "Asia/Vladivostok" not in page


# --- filters say «все»


def test_filters_say_vse_not_neizvestno(school):
    institution, klass, users = school
    archived = make_unit(institution, UnitKind.DEPARTMENT, "Старый отдел")
    services.archive_unit(unit=archived, by=users["admin"])
    client = login(users["admin"])
    pages = {
        "roles:units": ["kind", "archived"],
        "roles:people": ["kind", "unit", "role", "status"],
        "roles:movements": ["kind"],
        "roles:audit": ["action"],
        "invitations:list": ["status", "unit", "role"],
        "chats:registry": ["kind", "platform", "unit", "owner"],
    }
    for name, fields in pages.items():
        response = client.get(reverse(name, args=[institution.pk]))
        body = response.content.decode()
        assert "Неизвестно" not in body and "---------" not in body, name
        for field in fields:
            assert options(response, field)[0] == ("", "все"), (name, field)
    # «все» on the units' archive filter shows the archived unit too; the default hides it.
    units = reverse("roles:units", args=[institution.pk])
    assert "Старый отдел" not in text(client.get(units))
    assert "Старый отдел" in text(client.get(units, {"archived": ""}))
    assert "Старый отдел" in text(client.get(units, {"archived": "true"}))


# --- «Справка» in every role's main menu, with the first steps of the role


def _menu(response) -> str:
    body = response.content.decode()
    return re.search(
        r'<ul class="navbar-nav me-auto">.*?</ul>\s*<ul class="navbar-nav">', body, re.S
    )[0]


@pytest.mark.parametrize("role", ROLES)
def test_help_is_in_the_main_menu_of_every_role_with_its_first_steps(school, role):
    institution, klass, users = school
    client = login(users[role])
    help_url = reverse("channels:help", args=[institution.pk])
    for page in ("/", reverse("channels:feed", args=[institution.pk])):
        menu = _menu(client.get(page))
        assert f'href="{help_url}">Справка</a>' in menu, page
    page = text(client.get(help_url))
    heading = {
        "director": "Первые шаги директора",
        "deputy": "Первые шаги заместителя директора",
        "admin": "Первые шаги администратора «Сферума»",
        "teacher": "Первые шаги педагога",
        "student": "Первые шаги обучающегося",
        "parent": "Первые шаги родителя",
    }
    assert heading[role] in page
    others = [
        h for r, h in heading.items() if r != role and not (role == "admin" and r == "teacher")
    ]
    assert not [h for h in others if h in page]
    # Every link of the first steps opens for the reader.
    body = client.get(help_url).content.decode()
    steps = re.findall(r'<section class="mb-4" id="first-steps-[a-z]+">.*?</section>', body, re.S)
    links = {html.unescape(h) for s in steps for h in re.findall(r'href="(/[^"]*)"', s)}
    assert links, "the first steps lead to the pages"
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_directors_help_covers_appointments_management_chats_and_monitoring(school):
    institution, klass, users = school
    client = login(users["director"])
    body = client.get(reverse("channels:help", args=[institution.pk])).content.decode()
    steps = re.search(r'id="first-steps-director">.*?</section>', body, re.S)[0]
    page = visible_text(steps)
    assert "Назначения: назначьте администратора «Сферума»" in page
    assert "чат директора с заместителями, чат директора с педагогами" in page
    assert "Контроль: статистика" in page
    for name in ("roles:appointments", "chats:board", "roles:audit", "roles:institution_edit"):
        assert f'href="{reverse(name, args=[institution.pk])}"' in steps, name
    assert f'href="{reverse("stats:overview")}?institution={institution.pk}"' in steps


def test_a_user_without_a_role_sees_no_menu_to_break(db):
    from .factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    assert client.get("/").status_code == 200
