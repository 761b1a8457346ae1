"""The MAX bot against a fake MAX Bot API server (tests/fakes/max_api.py): several chats with
paging, members joining and leaving between two syncs, 429 then success, a bad token, MAX down,
the token write-only and never logged, the commands' `name=value` lines."""

import io
import logging

import pytest
from django.core.management import CommandError, call_command

from chats import services
from chats.max_api import MaxClient, Unavailable
from chats.models import (
    BotChat,
    BotState,
    Chat,
    ChatMember,
    MemberSource,
    MemberState,
    MessengerBot,
)
from chats.selectors import chat_bot_status
from roles.models import TodoItem

from ..conftest import login
from ..fakes.max_api import free_port
from .helpers import ru
from .members_helpers import PARENTS_LINK, STUDENTS_LINK

pytestmark = pytest.mark.django_db

STUDENTS_ID, PARENTS_ID = -70000000000001, -70000000000002
GUESTS = 105  # the parents' chat spans two pages of members


@pytest.fixture
def bot(school, fake_max):
    """The fake MAX world: the bot in 5А's two chats (matched by their links) and in 150 chats
    the portal does not know; the institution's token set."""
    fake_max.add_chat(
        STUDENTS_ID,
        "5А ученики (MAX)",
        STUDENTS_LINK,
        [(100, "Анна", "Соколова"), (101, "Иван", "Иванов"), (102, "Мария", "Петрова"),
         (199, "Артём", "Незнакомов")],
    )  # fmt: skip
    fake_max.add_chat(
        PARENTS_ID,
        "5А: родители",
        PARENTS_LINK,
        [(201, "Ольга", "Иванова")] + [(300 + n, f"Гость{n}", None) for n in range(GUESTS)],
    )
    for n in range(150):
        fake_max.add_chat(-71000000000000 - n, f"Кружок {n}", f"https://max.ru/join/Other{n:04d}x")
    services.set_bot_token(institution=school.institution, token=fake_max.token, by=None)
    return fake_max


def sync(school):
    return services.sync_institution(institution=school.institution)


def test_a_sync_of_several_chats_with_paging(school, bot):
    result = sync(school)

    assert result.state == BotState.OK
    assert result.lines() == [
        "chats_seen=152",
        "chats_matched=2",
        "members_matched=4",  # Соколова, Иванов, Петрова; Иванова in the parents' chat
        f"members_unknown={1 + GUESTS}",
        "people_missing=4",  # Сидоров, Козлова, Смирнов; the teacher in the parents' chat
    ]
    chat_pages = [r for r in bot.requests if r.path == "/chats"]
    assert [r.query.get("marker") for r in chat_pages] == [None, "100"]
    assert all(r.query["count"] == "100" for r in chat_pages)
    assert bot.count(f"/chats/{PARENTS_ID}/members") == 2
    assert {r.authorization for r in bot.requests} == {bot.token}
    assert result.requests == len(bot.requests) == 1 + 2 + 1 + 2
    students = Chat.objects.get(pk=school.students_chat.pk)
    assert (students.title, students.member_count) == ("5А ученики (MAX)", 5)
    rows = ChatMember.objects.filter(chat=students, state=MemberState.PRESENT)
    assert {r.member_id for r in rows} == {"100", "101", "102"}
    assert {r.source for r in rows} == {MemberSource.MAX}
    assert chat_bot_status(students).code == "ok"


def test_a_member_joining_and_one_leaving_between_two_syncs(school, bot):
    sync(school)
    bot.join(STUDENTS_ID, 103, "Пётр", "Сидоров")
    bot.leave(STUDENTS_ID, 102)

    result = sync(school)

    chat = school.students_chat
    assert ChatMember.objects.get(chat=chat, key="max:103").person == school.students["Сидоров"]
    assert ChatMember.objects.get(chat=chat, person=school.students["Петрова"]).state == "missing"
    assert not ChatMember.objects.filter(chat=chat, key="max:102").exists()
    assert result.people_missing == 4  # Петрова instead of Сидоров
    invites = TodoItem.objects.filter(
        title__contains="5А ученики (MAX)", title__icontains="Петрова"
    )
    assert invites.count() == 1


def test_a_second_sync_with_nothing_changed_changes_no_row(school, bot):
    sync(school)
    before = sorted(ChatMember.objects.values_list("key", "state", "since"))
    todos = TodoItem.objects.count()
    sync(school)
    assert sorted(ChatMember.objects.values_list("key", "state", "since")) == before
    assert TodoItem.objects.count() == todos


def test_a_429_then_success(school, bot):
    bot.fail("/chats", 429, Retry_After="1")
    result = sync(school)
    assert result.state == BotState.OK
    assert result.chats_seen == 152
    assert bot.count("/chats") - bot.count("/chats/") == 3  # refused once, then two pages


def test_the_client_waits_as_retry_after_says(fake_max):
    fake_max.fail("/me", 429, Retry_After="7")
    fake_max.fail("/me", 503)
    waits = []
    client = MaxClient(
        base_url=fake_max.url, token=fake_max.token, backoff=0.25, sleep=waits.append
    )
    assert client.me()["is_bot"] is True
    assert waits == [7.0, 0.5]  # Retry-After, then the back-off of the second attempt
    assert client.requests_made == 3


def test_the_client_pages_members_with_the_marker(fake_max):
    fake_max.add_chat(-5, "Чат", "", [(n, f"Имя{n}", "Фамилия") for n in range(1, 6)])
    client = MaxClient(base_url=fake_max.url, token=fake_max.token)
    names = [m.name for m in client.members(-5, count=2)]
    assert len(names) == 6 and names[0] == "Портал учреждения"
    assert [r.query.get("marker") for r in fake_max.requests] == [None, "2", "4"]


def test_a_bad_token(school, bot, admin_user):
    services.set_bot_token(
        institution=school.institution, token="not-the-bots-token-0123456789", by=None
    )
    result = sync(school)

    assert result.state == BotState.INVALID_TOKEN
    bot_row = MessengerBot.objects.get(institution=school.institution)
    assert (bot_row.state, bot_row.last_error) == (BotState.INVALID_TOKEN, "verify.token")
    assert chat_bot_status(school.students_chat).code == "invalid_token"
    page = login(admin_user).get(f"/chats/{school.institution.pk}/messenger/")
    assert page.status_code == 200 and ru("the token is invalid") in page.content.decode()


def test_max_down_leaves_a_state_and_the_portal_working(school, bot, settings, admin_user):
    settings.MAX_API_URL = f"http://127.0.0.1:{free_port()}"
    first = sync(school)
    since = MessengerBot.objects.get(institution=school.institution).state_since
    second = sync(school)

    assert first.state == second.state == BotState.UNREACHABLE
    bot_row = MessengerBot.objects.get(institution=school.institution)
    assert bot_row.state_since == since  # "unreachable since 10:05", not since the last try
    status = chat_bot_status(school.students_chat)
    assert status.code == "unreachable" and status.since == since
    assert status.text == ru("MAX is unreachable since %(time)s", time=status.text[-5:])
    client = login(admin_user)
    base = f"/chats/{school.institution.pk}"
    for url in (f"{base}/board/", f"{base}/messenger/", f"{base}/{school.students_chat.pk}/"):
        assert client.get(url).status_code == 200


def test_max_answering_503_again_and_again_is_unreachable(school, bot):
    bot.fail("/me", 503, times=10)
    assert sync(school).state == BotState.UNREACHABLE
    assert bot.count("/me") == 4  # the first try and three retries


def test_a_chat_whose_members_the_bot_may_not_read(school, bot):
    bot.denied.add(STUDENTS_ID)
    result = sync(school)
    assert result.state == BotState.OK
    assert BotChat.objects.get(max_chat_id=STUDENTS_ID).members_denied
    assert chat_bot_status(school.students_chat).code == "no_access"


def test_a_registered_chat_the_bot_is_not_in(school, bot):
    del bot.chats[PARENTS_ID]
    sync(school)
    status = chat_bot_status(school.parents_chat)
    assert status.code == "not_in_chat" and status.text == ru("the bot is not added to the chat")


def test_the_administrator_matches_a_chat_without_a_link(school, bot, admin_user):
    bot.chats[STUDENTS_ID]["link"] = None
    sync(school)
    bot_chat = BotChat.objects.get(max_chat_id=STUDENTS_ID)
    assert bot_chat.chat is None

    services.match_bot_chat(bot_chat=bot_chat, chat=school.students_chat, by=admin_user)
    result = sync(school)

    assert result.chats_matched == 2
    assert BotChat.objects.get(max_chat_id=STUDENTS_ID).matched_by == "admin"
    assert ChatMember.objects.filter(chat=school.students_chat, key="max:101").exists()


def test_a_leaver_still_in_a_max_chat(school, bot, admin_user):
    from roles import services as roles_services

    sync(school)
    ivanov = school.students["Иванов"]
    roles_services.leave(
        person=ivanov, effective_date=school.institution.local_today(), by=admin_user
    )
    sync(school)
    assert ChatMember.objects.get(chat=school.students_chat, key="max:101").state == "left"
    assert TodoItem.objects.filter(person=ivanov, title__contains="5А ученики (MAX)").count() == 1


def test_the_token_is_encrypted_write_only_and_never_logged(school, bot, admin_user, caplog):
    caplog.set_level(logging.DEBUG)
    bot.fail("/chats", 429, Retry_After="0")
    sync(school)

    stored = MessengerBot.objects.get(institution=school.institution)
    assert bot.token not in stored.token_encrypted
    assert services.bot_token(school.institution) == bot.token
    assert bot.token not in repr(stored) + str(stored)
    assert all(bot.token not in record.getMessage() for record in caplog.records)
    client = login(admin_user)
    page = client.get(f"/chats/{school.institution.pk}/messenger/").content.decode()
    assert bot.token not in page and ru("Set on %(when)s by %(who)s.", when="", who="")[:4] in page
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    listing = login(admin_user).get("/admin/chats/messengerbot/").content.decode()
    change = login(admin_user).get(f"/admin/chats/messengerbot/{stored.pk}/change/")
    assert bot.token not in listing and bot.token not in change.content.decode()
    assert stored.token_encrypted not in change.content.decode()


def test_the_token_page_never_sends_a_typed_token_back(school, admin_user):
    client = login(admin_user)
    url = f"/chats/{school.institution.pk}/messenger/"
    response = client.post(url, {"token": "short"})
    assert response.status_code == 200
    assert 'value="short"' not in response.content.decode()
    response = client.post(url, {"token": "a-good-looking-token-0123456789"})
    assert response.status_code == 302
    assert services.bot_token(school.institution) == "a-good-looking-token-0123456789"
    assert "a-good-looking-token" not in client.get(url).content.decode()
    client.post(f"/chats/{school.institution.pk}/messenger/token/remove/")
    assert not MessengerBot.objects.filter(institution=school.institution).exists()


def test_set_messenger_token_reads_standard_input(school):
    out = io.StringIO()
    call_command(
        "set_messenger_token",
        "--institution",
        str(school.institution.pk),
        stdin=io.StringIO("from-stdin-token-0123456789\n"),
        stdout=out,
    )
    assert services.bot_token(school.institution) == "from-stdin-token-0123456789"
    assert "from-stdin" not in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "set_messenger_token",
            "--institution",
            str(school.institution.pk),
            stdin=io.StringIO(""),
        )


def test_sync_messenger_prints_its_counts(school, bot):
    out = io.StringIO()
    call_command("sync_messenger", "--institution", str(school.institution.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "chats_seen=152",
        "chats_matched=2",
        "members_matched=4",
        f"members_unknown={1 + GUESTS}",
        "people_missing=4",
    ]
    assert lines[-1] == "state=ok"


def test_sync_messenger_fails_without_a_token_or_with_max_down(school, settings):
    with pytest.raises(CommandError, match=ru("No MAX bot token is set for this institution.")):
        call_command("sync_messenger", "--institution", str(school.institution.pk))
    services.set_bot_token(institution=school.institution, token="x" * 30, by=None)
    settings.MAX_API_URL = f"http://127.0.0.1:{free_port()}"
    settings.MAX_API_BACKOFF = 0
    out = io.StringIO()
    with pytest.raises(CommandError, match="unreachable"):
        call_command("sync_messenger", "--institution", str(school.institution.pk), stdout=out)
    assert "chats_seen=0" in out.getvalue()


def test_the_hourly_job_syncs_every_institution_with_a_bot(school, bot):
    assert services.sync_all() == 1
    assert MessengerBot.objects.get(institution=school.institution).state == BotState.OK


def test_the_client_raises_unavailable_when_nobody_listens():
    client = MaxClient(
        base_url=f"http://127.0.0.1:{free_port()}", token="t" * 20, retries=1, sleep=lambda s: None
    )
    with pytest.raises(Unavailable):
        client.me()
    assert client.requests_made == 2
