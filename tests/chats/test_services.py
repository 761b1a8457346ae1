"""Every write to the chat registry: links, who registers what, changes, archives, reminders."""

import contextlib
import datetime as dt
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from chats import services
from chats.models import Chat, ChatKind, ChatReminder, Platform
from roles import services as roles_services
from roles.models import AuditEvent, Person, Role

from ..conftest import login
from ..factories import UserFactory, make_institution, make_member, make_unit
from .helpers import chat_link, member, page, register
from .helpers import teacher as make_teacher

# --- link validation --------------------------------------------------------------------------

ACCEPTED = [
    (Platform.VK, "https://vk.me/join/AbCdEf123_-"),
    (Platform.VK, "https://vk.com/join/ZZZ999yyyxxx"),
    (Platform.VK, "https://web.vk.me/join/Qwerty=="),
    (Platform.MAX, "https://max.ru/join/AbCdEf123_-"),
    (Platform.MAX, "https://web.max.ru/join/Qwerty123"),
]
REFUSED = [
    (Platform.VK, "https://max.ru/join/AbCdEf123"),  # a MAX link on VK
    (Platform.MAX, "https://vk.me/join/AbCdEf123"),  # a VK link on MAX
    (Platform.VK, "https://example.com/join/AbCdEf123"),  # any https address
    (Platform.VK, "https://vk.me.example.com/join/AbCdEf123"),  # a look-alike host
    (Platform.VK, "http://vk.me/join/AbCdEf123"),  # not https
    (Platform.VK, "https://vk.me/join/Ab"),  # too short to be a real key
    (Platform.VK, "https://vk.me/join/AbCdEf123 https://evil.example/"),
    (Platform.VK, "javascript:alert(1)"),
    (Platform.MAX, "javascript:alert(document.cookie)//https://max.ru/join/AbCdEf123"),
]


@pytest.mark.parametrize(("platform", "link"), ACCEPTED)
def test_an_invitation_link_of_the_chats_own_messenger_is_accepted(
    institution, admin_user, platform, link
):
    chat = services.register_chat(
        institution=institution,
        kind=ChatKind.OTHER,
        title="Оргкомитет",
        platform=platform,
        link=f"  {link} ",
        by=admin_user,
    )

    chat.refresh_from_db()
    assert chat.link == link
    assert chat.platform == platform


@pytest.mark.parametrize(("platform", "link"), REFUSED)
def test_any_other_link_is_refused_and_nothing_is_written(institution, admin_user, platform, link):
    audits = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.register_chat(
            institution=institution,
            kind=ChatKind.STAFF_ROOM,
            title="Учительская",
            platform=platform,
            link=link,
            by=admin_user,
        )

    assert "link" in refused.value.message_dict
    assert not Chat.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_a_link_is_checked_again_when_the_platform_changes(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, platform="vk")

    with pytest.raises(ValidationError):
        services.update_chat(chat=chat, by=teacher.user, platform=Platform.MAX)

    chat.refresh_from_db()
    assert chat.platform == Platform.VK
    assert chat.moved_to_max_on is None


def test_a_changed_link_is_checked_too(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    original = chat.link

    with pytest.raises(ValidationError):
        services.update_chat(chat=chat, by=teacher.user, link="javascript:alert(1)")

    chat.refresh_from_db()
    assert chat.link == original


# --- who registers what -----------------------------------------------------------------------


@pytest.fixture
def people(institution, klass, other_class, department, admin_user):
    """Everybody who might register a chat, by a short name."""
    other_department = make_unit(institution, "department", "Спортивный отдел")
    units = {
        "class": klass,
        "other_class": other_class,
        "department": department,
        "other_department": other_department,
        None: None,
    }
    users = {
        "admin": admin_user,
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "teacher": make_teacher(institution, klass, department).user,
        "unverified": make_teacher(institution, klass, department, verified=False).user,
        "student": member(klass, Role.STUDENT).user,
        "parent": member(klass, Role.PARENT).user,
        "outsider": make_member(make_institution(), Role.ADMIN).user,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    return users, units


K = ChatKind
# (who, kind, unit, may register)
REGISTRATIONS = [
    ("admin", K.DIRECTOR_DEPUTIES, None, True),
    ("admin", K.STAFF_ROOM, None, True),
    ("admin", K.CLASS_STUDENTS, "other_class", True),
    ("admin", K.DEPARTMENT_TEACHERS, "other_department", True),
    ("admin", K.OTHER, None, True),
    ("superuser", K.CLASS_PARENTS, "class", True),
    ("director", K.DIRECTOR_DEPUTIES, None, True),
    ("director", K.DIRECTOR_TEACHERS, None, True),
    ("director", K.OTHER, None, True),
    ("director", K.STAFF_ROOM, None, False),
    ("director", K.CLASS_STUDENTS, "class", False),
    ("deputy", K.OTHER, None, True),
    ("deputy", K.DIRECTOR_DEPUTIES, None, False),
    ("deputy", K.DEPARTMENT_TEACHERS, "department", False),
    ("teacher", K.CLASS_STUDENTS, "class", True),
    ("teacher", K.CLASS_PARENTS, "class", True),
    ("teacher", K.DEPARTMENT_TEACHERS, "department", True),
    ("teacher", K.OTHER, None, True),
    ("teacher", K.CLASS_STUDENTS, "other_class", False),
    ("teacher", K.CLASS_PARENTS, "other_class", False),
    ("teacher", K.DEPARTMENT_TEACHERS, "other_department", False),
    ("teacher", K.DIRECTOR_TEACHERS, None, False),
    ("teacher", K.STAFF_ROOM, None, False),
    ("unverified", K.CLASS_STUDENTS, "class", False),
    ("unverified", K.CLASS_PARENTS, "class", False),
    ("unverified", K.DEPARTMENT_TEACHERS, "department", False),
    ("unverified", K.OTHER, None, True),
    ("student", K.OTHER, None, False),
    ("student", K.CLASS_STUDENTS, "class", False),
    ("parent", K.OTHER, None, False),
    ("parent", K.CLASS_PARENTS, "class", False),
    ("outsider", K.OTHER, None, False),
    ("outsider", K.STAFF_ROOM, None, False),
]


@pytest.mark.parametrize(
    ("who", "kind", "unit", "allowed"),
    REGISTRATIONS,
    ids=[f"{w}-{k}-{u}" for w, k, u, _a in REGISTRATIONS],
)
def test_who_registers_which_chat(institution, people, who, kind, unit, allowed):
    users, units = people

    if allowed:
        chat = register(users[who], institution, kind, units[unit])
        assert chat.kind == kind
        assert chat.unit == units[unit]
        assert AuditEvent.objects.filter(action="chat.register", object_id=str(chat.pk)).exists()
    else:
        with pytest.raises(ValidationError):
            register(users[who], institution, kind, units[unit])
        assert not Chat.objects.exists()


def test_the_registering_person_owns_the_chat_unless_the_admin_names_an_owner(
    institution, klass, teacher, admin_user
):
    own = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    for_them = register(admin_user, institution, ChatKind.CLASS_PARENTS, klass, owner=teacher)
    admins = register(admin_user, institution, ChatKind.STAFF_ROOM)

    assert own.owner == teacher
    assert for_them.owner == teacher
    assert admins.owner == admin_user.people.get()
    assert own.created_by == teacher.user


def test_a_class_chat_names_a_class_and_a_department_chat_a_department(
    institution, klass, department, admin_user
):
    with pytest.raises(ValidationError) as no_unit:
        register(admin_user, institution, ChatKind.CLASS_STUDENTS, None)
    assert "unit" in no_unit.value.message_dict
    with pytest.raises(ValidationError):
        register(admin_user, institution, ChatKind.CLASS_STUDENTS, department)
    with pytest.raises(ValidationError):
        register(admin_user, institution, ChatKind.DEPARTMENT_TEACHERS, klass)
    with pytest.raises(ValidationError):
        register(admin_user, institution, ChatKind.CLASS_PARENTS, make_unit(make_institution()))
    assert not Chat.objects.exists()


def test_an_institution_chat_never_keeps_a_unit(institution, klass, admin_user):
    chat = register(admin_user, institution, ChatKind.STAFF_ROOM, klass)

    assert chat.unit is None


def test_an_institution_chat_does_not_take_a_unit_on_edit_either(institution, klass, admin_user):
    chat = register(admin_user, institution, ChatKind.STAFF_ROOM)

    with contextlib.suppress(ValidationError):
        services.update_chat(chat=chat, by=admin_user, unit=klass)

    chat.refresh_from_db()
    assert chat.unit is None


def test_no_chat_is_registered_for_an_archived_class(institution, klass, teacher, admin_user):
    roles_services.archive_unit(unit=klass, by=admin_user)

    with pytest.raises(ValidationError):
        register(admin_user, institution, ChatKind.CLASS_STUDENTS, klass)


def test_a_teacher_cannot_move_their_class_chat_to_a_class_they_do_not_teach(
    institution, klass, other_class, teacher
):
    chat = register(teacher.user, institution, ChatKind.CLASS_PARENTS, klass)

    with pytest.raises(ValidationError):
        services.update_chat(chat=chat, by=teacher.user, unit=other_class)

    chat.refresh_from_db()
    assert chat.unit == klass


def test_a_teacher_cannot_attach_an_other_chat_to_a_class_they_do_not_teach(
    institution, klass, other_class, teacher
):
    with pytest.raises(ValidationError):
        register(teacher.user, institution, ChatKind.OTHER, other_class)


# --- changes ----------------------------------------------------------------------------------


def test_moving_from_vk_to_max_is_dated_and_moving_back_clears_the_date(
    institution, klass, teacher
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, platform="vk")
    assert chat.moved_to_max_on is None

    services.update_chat(
        chat=chat, by=teacher.user, platform=Platform.MAX, link=chat_link(Platform.MAX)
    )
    chat.refresh_from_db()
    assert chat.platform == Platform.MAX
    assert chat.moved_to_max_on == institution.local_today()

    services.update_chat(chat=chat, by=teacher.user, title="Ребята 3А (MAX)")
    chat.refresh_from_db()
    assert chat.moved_to_max_on == institution.local_today()  # unchanged by other edits

    services.update_chat(chat=chat, by=teacher.user, platform=Platform.VK, link=chat_link("vk"))
    chat.refresh_from_db()
    assert chat.moved_to_max_on is None


def test_the_move_to_max_is_dated_in_the_institutions_own_day(db, admin_user):
    far_east = make_institution(timezone="Asia/Kamchatka")
    admin = make_member(far_east, Role.ADMIN).user
    chat = register(admin, far_east, ChatKind.STAFF_ROOM, platform="vk")

    services.update_chat(chat=chat, by=admin, platform=Platform.MAX, link=chat_link("max"))

    chat.refresh_from_db()
    assert chat.moved_to_max_on == far_east.local_today()


def test_a_member_count_update_records_when_it_was_counted(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    assert chat.member_count is None and chat.member_count_at is None

    before = timezone.now()
    services.update_chat(chat=chat, by=teacher.user, member_count=23)

    chat.refresh_from_db()
    assert chat.member_count == 23
    assert before <= chat.member_count_at <= timezone.now()
    counted = chat.member_count_at
    services.update_chat(chat=chat, by=teacher.user, title="Ребята 3А")
    chat.refresh_from_db()
    assert chat.member_count_at == counted  # other changes do not recount


def test_a_count_given_at_registration_is_dated(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, member_count=9)

    assert chat.member_count == 9
    assert chat.member_count_at is not None


def test_only_the_owner_or_an_admin_changes_a_chat(
    institution, klass, teacher, admin_user, director
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    colleague = make_member(institution, Role.TEACHER, klass, verified=True)

    for outsider in (colleague.user, director.user, member(klass, Role.STUDENT).user):
        with pytest.raises(ValidationError):
            services.update_chat(chat=chat, by=outsider, member_count=1)
        with pytest.raises(ValidationError):
            services.archive_chat(chat=chat, by=outsider)
    services.update_chat(chat=chat, by=admin_user, member_count=30)

    chat.refresh_from_db()
    assert chat.member_count == 30
    assert chat.archived_at is None


def test_an_archived_chat_cannot_be_changed_and_archiving_twice_changes_nothing(
    institution, klass, teacher
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    services.archive_chat(chat=chat, by=teacher.user)
    chat.refresh_from_db()
    archived_at = chat.archived_at

    services.archive_chat(chat=chat, by=teacher.user)
    with pytest.raises(ValidationError):
        services.update_chat(chat=chat, by=teacher.user, member_count=3)

    chat.refresh_from_db()
    assert chat.archived_at == archived_at
    assert AuditEvent.objects.filter(action="chat.archive", object_id=str(chat.pk)).count() == 1


def test_update_refuses_fields_it_does_not_edit(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)

    with pytest.raises(TypeError):
        services.update_chat(chat=chat, by=teacher.user, kind=ChatKind.OTHER)


def test_release_chats_of_hands_over_only_the_active_chats_of_that_person(
    institution, klass, teacher, admin_user
):
    kept = register(admin_user, institution, ChatKind.STAFF_ROOM)
    released = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)

    assert services.release_chats_of(person=teacher) == 1
    assert services.release_chats_of(person=teacher) == 0

    kept.refresh_from_db()
    released.refresh_from_db()
    assert kept.owner is not None
    assert released.owner is None


# --- reminders --------------------------------------------------------------------------------


@pytest.fixture
def staffed(institution, klass, other_class, department, admin_user, director):
    """Three teachers: one with gaps, one with none, one with gaps but no address."""
    with_gaps = make_teacher(institution, klass, email="gaps@example.org", first_name="Мария")
    complete = make_teacher(institution, department, email="done@example.org")
    no_address = make_teacher(institution, other_class)
    assert no_address.email == "" and no_address.user.email == ""
    register(complete.user, institution, ChatKind.DEPARTMENT_TEACHERS, department)
    register(with_gaps.user, institution, ChatKind.CLASS_STUDENTS, klass)
    # The institution's own chats exist: only the teachers are reminded.
    register(director.user, institution, ChatKind.DIRECTOR_DEPUTIES)
    register(director.user, institution, ChatKind.DIRECTOR_TEACHERS)
    register(admin_user, institution, ChatKind.STAFF_ROOM)
    mail.outbox = []
    return with_gaps, complete, no_address


def remind(client, institution):
    """Press the button and wait for the job: eager without a broker, a worker thread in CI."""
    before = AuditEvent.objects.filter(action="chat.remind").count()
    response = client.post(page("remind", institution))
    assert response.status_code == 302
    assert response["Location"] == page("board", institution)
    deadline = time.monotonic() + 30
    while AuditEvent.objects.filter(action="chat.remind").count() == before:
        assert time.monotonic() < deadline, "the reminder job did not run"
        time.sleep(0.05)
    return response


def test_the_reminder_mails_each_teacher_with_missing_chats_once(
    job_worker, institution, klass, staffed, admin_client
):
    with_gaps, complete, no_address = staffed

    remind(admin_client, institution)

    assert [m.to for m in mail.outbox] == [["gaps@example.org"]]
    body = mail.outbox[0].body
    assert "Мария" in body
    assert str(klass) in body
    assert "/chats/" in body
    reminder = ChatReminder.objects.get()
    assert reminder.teacher == with_gaps
    assert len(reminder.missing) == 1  # the parents' chat of 3А
    # Nothing is recorded for those who were not mailed.
    assert not ChatReminder.objects.filter(teacher__in=[complete, no_address]).exists()
    assert AuditEvent.objects.filter(action="chat.remind").count() == 1


def test_a_second_press_within_the_interval_sends_nothing_and_after_it_sends_again(
    job_worker, institution, staffed, admin_client, settings
):
    remind(admin_client, institution)
    assert len(mail.outbox) == 1

    remind(admin_client, institution)
    assert len(mail.outbox) == 1
    assert ChatReminder.objects.count() == 1

    # Almost the whole interval later: still nothing.
    days = settings.CHAT_REMINDER_INTERVAL_DAYS
    ChatReminder.objects.update(sent_at=timezone.now() - dt.timedelta(days=days, minutes=-5))
    remind(admin_client, institution)
    assert len(mail.outbox) == 1

    # The interval has passed.
    ChatReminder.objects.update(sent_at=timezone.now() - dt.timedelta(days=days, minutes=5))
    remind(admin_client, institution)
    assert [m.to for m in mail.outbox] == [["gaps@example.org"]] * 2
    assert ChatReminder.objects.count() == 2


def test_the_interval_comes_from_the_settings(
    institution, staffed, django_capture_on_commit_callbacks, settings
):
    settings.CHAT_REMINDER_INTERVAL_DAYS = 2
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_missing_chat_reminders(institution=institution, now=now) == 1
    with django_capture_on_commit_callbacks(execute=True):
        later = now + dt.timedelta(days=1, hours=23)
        assert services.send_missing_chat_reminders(institution=institution, now=later) == 0
    with django_capture_on_commit_callbacks(execute=True):
        later = now + dt.timedelta(days=2, minutes=1)
        assert services.send_missing_chat_reminders(institution=institution, now=later) == 1

    assert len(mail.outbox) == 2


def test_a_teacher_whose_gaps_are_filled_gets_no_further_reminder(
    institution, klass, staffed, django_capture_on_commit_callbacks
):
    with_gaps, _complete, _no_address = staffed
    register(with_gaps.user, institution, ChatKind.CLASS_PARENTS, klass)
    later = timezone.now() + dt.timedelta(days=30)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_missing_chat_reminders(institution=institution, now=later)

    assert sent == 0
    assert mail.outbox == []


def test_the_login_address_is_used_when_the_roster_has_none(
    institution, staffed, django_capture_on_commit_callbacks
):
    _with_gaps, _complete, no_address = staffed
    no_address.user.email = "login@example.org"
    no_address.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.send_missing_chat_reminders(institution=institution)

    assert sorted(m.to[0] for m in mail.outbox) == ["gaps@example.org", "login@example.org"]


def test_a_reminder_in_one_institution_does_not_hold_back_another(
    institution, staffed, django_capture_on_commit_callbacks
):
    other = make_institution()
    klass = make_unit(other, "class", "1А")
    make_teacher(other, klass, email="elsewhere@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.send_missing_chat_reminders(institution=institution)
        services.send_missing_chat_reminders(institution=other)

    assert sorted(m.to[0] for m in mail.outbox) == ["elsewhere@example.org", "gaps@example.org"]


def test_nobody_but_an_admin_presses_the_button(
    institution, klass, staffed, director, deputy, django_capture_on_commit_callbacks
):
    with_gaps, _complete, _no_address = staffed
    for user in (director.user, deputy.user, with_gaps.user, member(klass, Role.PARENT).user):
        with django_capture_on_commit_callbacks(execute=True):
            response = login(user).post(page("remind", institution))
        assert response.status_code == 403
    assert mail.outbox == []
    assert not ChatReminder.objects.exists()


def test_the_director_without_an_address_and_the_admin_with_one_are_reminded_of_theirs(
    db, django_capture_on_commit_callbacks
):
    institution = make_institution()
    admin = make_member(institution, Role.ADMIN)
    Person.objects.filter(pk=admin.pk).update(email="admin@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_missing_chat_reminders(institution=institution)

    # The staff room's chat is the admin's; the director has no address.
    assert sent == 1
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert ChatReminder.objects.get().missing == [f"{ChatKind.STAFF_ROOM.label}: {institution}"]
