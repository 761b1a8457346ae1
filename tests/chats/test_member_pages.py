"""A chat's member pages: pasting a list (preview, then save), uploading it, deciding a name,
who may see the lists (no minor's name outside the chat's audience), the board and "my
classes" with the reconciled membership, "sync now" with the broker down."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from chats import services
from chats.models import ChatMember, ChatReconciliation, MemberState, MessengerBot
from roles.models import PersonKind, Role

from ..broker import broker_unreachable
from ..conftest import login
from ..factories import START, make_member
from .helpers import page, ru, text_of
from .members_helpers import person
from .test_memberlist import MAX, SFERUM, VK
from .test_messenger import STUDENTS_ID

pytestmark = pytest.mark.django_db


def test_the_owner_pastes_a_list_sees_the_matches_then_saves(school):
    client = login(school.teacher.user)
    chat = school.students_chat
    url = page("members", school.institution, chat.pk)
    assert client.get(url).status_code == 200

    preview = client.post(url, {"text": SFERUM, "step": "preview"})

    html = text_of(preview)
    assert preview.status_code == 200
    assert "Незнакомов Артём" in html and "Козлова Алёна Игоревна" in html
    assert not ChatMember.objects.filter(chat=chat).exists()  # nothing saved yet

    saved = client.post(url, {"text": SFERUM, "step": "save"})

    assert saved.status_code == 302 and saved["Location"] == page(
        "detail", school.institution, chat.pk
    )
    detail = text_of(client.get(saved["Location"]))
    assert "Незнакомов Артём" in detail and "Козлова Алёна Игоревна" in detail
    assert ChatReconciliation.objects.get(chat=chat).present == 4


@pytest.mark.parametrize("text", [VK, MAX])
def test_the_other_screens_give_the_same_lists(school, text):
    services.reconcile_pasted(chat=school.students_chat, text=text, by=school.teacher.user)
    reconciliation = ChatReconciliation.objects.get(chat=school.students_chat)
    assert (reconciliation.present, reconciliation.missing, reconciliation.unknown) == (4, 2, 1)


def test_a_member_list_uploaded_as_a_csv_file(school):
    client = login(school.teacher.user)
    upload = SimpleUploadedFile(
        "members.csv", "ФИО;Роль\nИванов Иван;ученик\nГость Гостев;\n".encode(), "text/csv"
    )
    response = client.post(
        page("members", school.institution, school.students_chat.pk),
        {"file": upload, "step": "preview"},
    )
    assert response.status_code == 200
    assert "Гость Гостев" in text_of(response) and "Иванов Иван" in text_of(response)


def test_an_empty_list_is_refused_on_the_form(school):
    client = login(school.teacher.user)
    url = page("members", school.institution, school.students_chat.pk)
    empty = text_of(client.post(url, {"text": "  ", "step": "preview"}))
    assert ru("Paste the member list or choose a file.") in empty
    response = client.post(url, {"text": "Вы\nв сети\n", "step": "save"})
    assert response.status_code == 200
    assert escape(ru("No member's name was found in the list.")) in text_of(response)


def test_who_sees_the_lists(school):
    services.reconcile_pasted(chat=school.students_chat, text=VK, by=None)
    url = page("detail", school.institution, school.students_chat.pk)
    other_teacher = make_member(school.institution, Role.TEACHER, school.other_class, verified=True)
    class_teacher = make_member(school.institution, Role.TEACHER, school.klass, verified=True)
    director = make_member(school.institution, Role.DIRECTOR)
    student = school.students["Иванов"]

    refused = login(other_teacher.user).get(url)
    assert refused.status_code == 403 and "Козлова" not in text_of(refused)
    seen = login(class_teacher.user).get(url)
    assert seen.status_code == 200 and "Козлова" in text_of(seen)
    assert page("members", school.institution, school.students_chat.pk) not in text_of(seen)
    assert (
        login(class_teacher.user)
        .get(page("members", school.institution, school.students_chat.pk))
        .status_code
        == 403
    )
    assert login(director.user).get(url).status_code == 200
    from ..factories import UserFactory

    student.user = UserFactory()
    student.save()
    assert login(student.user).get(url).status_code == 403


def test_an_ambiguous_name_is_decided_on_its_page(school, admin_user):
    twins = [person(school.institution, PersonKind.STUDENT, "Кузнецов", "Илья", p)
             for p in ("Андреевич", "Олегович")]  # fmt: skip
    from roles import services as roles_services

    for twin in twins:
        roles_services.enrol(
            person=twin, unit=school.klass, role=Role.STUDENT, effective_date=START
        )
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text="Илья Кузнецов\n", by=None)
    row = ChatMember.objects.get(chat=chat, state=MemberState.AMBIGUOUS)
    client = login(admin_user)
    detail = text_of(client.get(page("detail", school.institution, chat.pk)))
    assert "Кузнецов Илья Андреевич" in detail and ru("Decide") in detail
    url = page("member_decide", school.institution, chat.pk, row.pk)
    form = text_of(client.get(url))
    assert "Кузнецов Илья Олегович" in form and ru("not on the roster") in form

    response = client.post(url, {"person": str(twins[0].pk)})

    assert response.status_code == 302
    assert ChatMember.objects.get(chat=chat, person=twins[0]).state == MemberState.PRESENT


def test_the_board_and_my_classes_say_who_is_in_the_chat(school, admin_user):
    services.reconcile_pasted(chat=school.students_chat, text=VK, by=None)
    summary = ru(
        "in the chat %(present)s · missing %(missing)s · not on the roster %(strangers)s",
        present=4,
        missing=2,
        strangers=1,
    )
    board = text_of(login(admin_user).get(page("board", school.institution)))
    assert summary in board
    classes = text_of(login(school.teacher.user).get(page("classes", school.institution)))
    assert summary in classes
    assert ru("a pasted member list") in classes


def test_sync_now_with_the_broker_down_syncs_in_the_request(
    school, fake_max, admin_user, django_capture_on_commit_callbacks
):
    from .members_helpers import STUDENTS_LINK

    fake_max.add_chat(STUDENTS_ID, "5А: ученики", STUDENTS_LINK, [(101, "Иван", "Иванов")])
    services.set_bot_token(institution=school.institution, token=fake_max.token, by=None)
    client = login(admin_user)
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("messenger_sync", school.institution))
    assert response.status_code == 302
    assert MessengerBot.objects.get(institution=school.institution).state == "ok"
    assert ChatMember.objects.filter(chat=school.students_chat, key="max:101").exists()
    html = text_of(client.get(page("detail", school.institution, school.students_chat.pk)))
    assert ru("MAX Bot API") in html
    assert ru("synced at %(time)s", time="").strip() in html


def test_a_stranger_with_a_nickname_is_matched_to_a_missing_student(school, admin_user):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text="Маша Цветочек\nИван Иванов\n", by=None)
    row = ChatMember.objects.get(chat=chat, state=MemberState.UNKNOWN)
    petrova = school.students["Петрова"]
    client = login(admin_user)
    url = page("member_decide", school.institution, chat.pk, row.pk)
    assert "Петрова Мария Андреевна" in text_of(client.get(url))

    assert client.post(url, {"person": str(petrova.pk)}).status_code == 302

    assert ChatMember.objects.get(chat=chat, person=petrova).name == "Маша Цветочек"
    assert ChatMember.objects.get(chat=chat, person=petrova).state == MemberState.PRESENT
