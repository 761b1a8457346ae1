"""Reminders a day and an hour before: who gets them, when, once only, in every time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from channels_app import services
from channels_app.models import Event, EventKind
from roles import services as roles_services
from roles.models import Person, Role

from ...factories import make_institution, make_member
from ..helpers import event, teacher

UTC = dt.UTC
START = dt.datetime(2030, 3, 10, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
TITLE = "Трансляция отчётного концерта"


def subject(which: str, title: str = TITLE) -> str:
    msgid = "Tomorrow: %(title)s" if which == "day" else "In an hour: %(title)s"
    with translation.override("ru"):
        return translation.gettext(msgid) % {"title": title}


@pytest.fixture
def audience(institution, klass, other_class, class_teacher, student, parent):
    """Staff of 3А with e-mail (two), families of 3А with e-mail, a teacher of 3Б with e-mail."""
    colleague = teacher(institution, klass)
    Person.objects.filter(pk=colleague.pk).update(email="colleague@example.org")
    teacher(institution, other_class, email="other@example.org")
    return ["colleague@example.org", "teacher@example.org"]


@pytest.fixture
def broadcast(institution, klass, admin_user, audience):
    """A broadcast for 3А planned three days ahead by the admin (who has no e-mail)."""
    return event(institution, admin_user, START, units=[klass], title=TITLE, now=START - 3 * DAY)


def run(at, mailoutbox) -> list[tuple[str, str]]:
    before = len(mailoutbox)
    count = services.send_due_reminders(now=at)
    new = sorted((tuple(m.to), m.subject) for m in mailoutbox[before:])
    assert count == len(new)
    return new


def test_staff_of_the_audience_get_one_day_and_one_hour_reminder(broadcast, audience, mailoutbox):
    assert broadcast.remind_day_at == START - DAY
    assert broadcast.remind_hour_at == START - HOUR

    assert run(START - DAY - MINUTE, mailoutbox) == []
    assert run(START - DAY, mailoutbox) == [((email,), subject("day")) for email in audience]
    assert run(START - DAY, mailoutbox) == []  # the same run again
    assert run(START - DAY + 5 * MINUTE, mailoutbox) == []
    assert run(START - 2 * HOUR, mailoutbox) == []
    assert run(START - HOUR - MINUTE, mailoutbox) == []
    assert run(START - HOUR, mailoutbox) == [((email,), subject("hour")) for email in audience]
    assert run(START - HOUR, mailoutbox) == []
    assert run(START - 30 * MINUTE, mailoutbox) == []
    assert run(START + MINUTE, mailoutbox) == []

    recipients = sorted(address for m in mailoutbox for address in m.to)
    assert recipients == sorted(audience * 2)
    assert all(TITLE in m.body or TITLE in m.subject for m in mailoutbox)


def test_students_and_parents_get_no_reminders_the_class_teachers_do(
    institution, klass, admin_user, audience, mailoutbox
):
    families = event(
        institution,
        admin_user,
        START,
        units=[klass],
        roles=[Role.STUDENT, Role.PARENT],
        now=START - 3 * DAY,
    )
    lesson = event(
        institution,
        admin_user,
        START + HOUR,
        kind=EventKind.LESSON,
        units=[klass],
        now=START - 3 * DAY,
    )
    assert lesson.audience_roles == [Role.STUDENT]
    for at in (START - DAY, START - DAY + HOUR, START - HOUR, START):
        services.send_due_reminders(now=at)
    # Two events, a day and an hour reminder each, to the two teachers of 3А only.
    assert sorted(address for m in mailoutbox for address in m.to) == sorted(audience * 4)
    assert Event.objects.get(pk=families.pk).day_reminder_sent_at is not None


def test_the_host_of_a_lesson_is_reminded(institution, klass, class_teacher, mailoutbox):
    event(
        institution,
        class_teacher.user,
        START,
        kind=EventKind.LESSON,
        units=[klass],
        title=TITLE,
        now=START - 3 * DAY,
    )
    assert run(START - DAY, mailoutbox) == [(("teacher@example.org",), subject("day"))]
    assert run(START - HOUR, mailoutbox) == [(("teacher@example.org",), subject("hour"))]


def test_a_worker_that_was_down_sends_only_the_hour_reminder(broadcast, audience, mailoutbox):
    assert run(START - 50 * MINUTE, mailoutbox) == [
        ((email,), subject("hour")) for email in audience
    ]
    assert run(START - 40 * MINUTE, mailoutbox) == []


def test_a_cancelled_event_reminds_nobody(broadcast, admin_user, mailoutbox):
    services.cancel_event(event=broadcast, by=admin_user, reason="Перенос")
    for at in (START - DAY, START - DAY + MINUTE, START - HOUR, START - MINUTE):
        assert run(at, mailoutbox) == []


def test_a_rescheduled_event_is_reminded_of_at_its_new_time(
    broadcast, admin_user, klass, audience, mailoutbox
):
    assert len(run(START - DAY, mailoutbox)) == 2
    new_start = START + 2 * DAY
    services.update_event(
        event=broadcast,
        by=admin_user,
        title=TITLE,
        starts_at=new_start,
        ends_at=new_start + HOUR,
        units=[klass],
        now=START - DAY + MINUTE,
    )
    broadcast.refresh_from_db()
    assert broadcast.remind_day_at == new_start - DAY
    assert broadcast.remind_hour_at == new_start - HOUR
    assert broadcast.day_reminder_sent_at is None and broadcast.hour_reminder_sent_at is None

    assert run(START - HOUR, mailoutbox) == []  # the old time reminds nobody
    assert run(new_start - DAY - MINUTE, mailoutbox) == []
    assert run(new_start - DAY, mailoutbox) == [((e,), subject("day")) for e in audience]
    assert run(new_start - HOUR, mailoutbox) == [((e,), subject("hour")) for e in audience]
    assert run(new_start - HOUR, mailoutbox) == []


def test_a_change_that_keeps_the_time_sends_no_second_reminder(
    broadcast, admin_user, klass, mailoutbox
):
    assert len(run(START - DAY, mailoutbox)) == 2
    services.update_event(
        event=broadcast,
        by=admin_user,
        title=TITLE + " (новая ссылка)",
        starts_at=START,
        ends_at=START + HOUR,
        units=[klass],
        meeting_link="https://sferum.ru/?call_link=New1",
        now=START - DAY + MINUTE,
    )
    assert run(START - DAY + 2 * MINUTE, mailoutbox) == []
    assert len(run(START - HOUR, mailoutbox)) == 2


def test_an_event_planned_five_hours_ahead_gets_only_the_hour_reminder(
    institution, klass, admin_user, audience, mailoutbox
):
    planned_at = START - 5 * HOUR
    event(institution, admin_user, START, units=[klass], title=TITLE, now=planned_at)
    assert run(planned_at + MINUTE, mailoutbox) == []
    assert run(planned_at + 5 * MINUTE, mailoutbox) == []
    assert run(START - HOUR, mailoutbox) == [((e,), subject("hour")) for e in audience]


# --- time zones -----------------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")


def at(tz, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


ZONE_CASES = {
    # EU summer time starts on Sunday 28 March 2027 (02:00 -> 03:00): the day is 23 hours long.
    "spring_forward": (
        BERLIN,
        at(BERLIN, 2027, 3, 28, 10, 0),
        at(UTC, 2027, 3, 27, 9, 0),
        at(UTC, 2027, 3, 28, 7, 0),
        dt.timedelta(hours=23),
    ),
    # ... and ends on Sunday 31 October 2027 (03:00 -> 02:00): the day is 25 hours long.
    "fall_back": (
        BERLIN,
        at(BERLIN, 2027, 10, 31, 10, 0),
        at(UTC, 2027, 10, 30, 8, 0),
        at(UTC, 2027, 10, 31, 8, 0),
        dt.timedelta(hours=25),
    ),
    "ordinary_day": (
        BERLIN,
        at(BERLIN, 2027, 3, 30, 10, 0),
        at(UTC, 2027, 3, 29, 8, 0),
        at(UTC, 2027, 3, 30, 7, 0),
        dt.timedelta(hours=24),
    ),
    # 00:30 local: the day reminder at 00:30 the day before, the hour one at 23:30 that evening.
    "after_midnight": (
        MOSCOW,
        at(MOSCOW, 2027, 3, 10, 0, 30),
        at(UTC, 2027, 3, 8, 21, 30),
        at(UTC, 2027, 3, 9, 20, 30),
        dt.timedelta(hours=24),
    ),
    # Both: 00:30 on the first day of summer time, reminded at 00:30 of the change day (CET).
    "after_midnight_over_the_change": (
        BERLIN,
        at(BERLIN, 2027, 3, 29, 0, 30),
        at(UTC, 2027, 3, 27, 23, 30),
        at(UTC, 2027, 3, 28, 21, 30),
        dt.timedelta(hours=23),
    ),
}


@pytest.mark.parametrize("case", list(ZONE_CASES))
def test_reminder_times_keep_the_local_wall_clock(case):
    tz, starts, day_utc, hour_utc, day_gap = ZONE_CASES[case]
    day, hour = services.reminder_times(starts.astimezone(UTC), tz)
    assert (day, hour) == (day_utc, hour_utc)
    assert day.utcoffset() == dt.timedelta(0) and hour.utcoffset() == dt.timedelta(0)
    assert starts - day == day_gap
    assert starts - hour == HOUR
    local_day = day.astimezone(tz)
    assert local_day.date() == starts.date() - DAY
    assert local_day.time() == starts.time()
    if case.startswith("after_midnight"):
        assert hour.astimezone(tz).time() == dt.time(23, 30)
        assert hour.astimezone(tz).date() == starts.date() - DAY


def staffed(tz_name: str, email: str):
    institution = make_institution(timezone=tz_name)
    admin = make_member(institution, Role.ADMIN).user
    teacher(institution, email=email)
    return institution, admin


@pytest.mark.parametrize("case", ["spring_forward", "fall_back", "after_midnight_over_the_change"])
def test_send_due_reminders_sends_at_the_exact_moments_across_daylight_saving(case, db, mailoutbox):
    tz, starts, day_utc, hour_utc, _gap = ZONE_CASES[case]
    institution, admin = staffed("Europe/Berlin", "lehrer@example.org")
    planned = event(institution, admin, starts, title=TITLE, now=starts - 3 * DAY)
    assert (planned.remind_day_at, planned.remind_hour_at) == (day_utc, hour_utc)

    assert run(day_utc - MINUTE, mailoutbox) == []
    assert run(day_utc, mailoutbox) == [(("lehrer@example.org",), subject("day"))]
    assert run(hour_utc - MINUTE, mailoutbox) == []
    assert run(hour_utc, mailoutbox) == [(("lehrer@example.org",), subject("hour"))]
    assert run(hour_utc + MINUTE, mailoutbox) == []


def test_the_same_local_time_reminds_at_different_moments_in_the_east_and_the_west(db, mailoutbox):
    east, east_admin = staffed("Asia/Vladivostok", "east@example.org")
    west, west_admin = staffed("Europe/Kaliningrad", "west@example.org")
    local = (2027, 3, 10, 10, 0)  # 10:00 on both sides of the country
    east_event = event(
        east, east_admin, at(ZoneInfo("Asia/Vladivostok"), *local), now=at(UTC, 2027, 3, 1)
    )
    west_event = event(
        west, west_admin, at(ZoneInfo("Europe/Kaliningrad"), *local), now=at(UTC, 2027, 3, 1)
    )
    assert east_event.starts_at == at(UTC, 2027, 3, 10, 0, 0)
    assert west_event.starts_at == at(UTC, 2027, 3, 10, 8, 0)
    assert east_event.remind_day_at == at(UTC, 2027, 3, 9, 0, 0)
    assert west_event.remind_day_at == at(UTC, 2027, 3, 9, 8, 0)
    assert east_event.remind_hour_at == at(UTC, 2027, 3, 9, 23, 0)
    assert west_event.remind_hour_at == at(UTC, 2027, 3, 10, 7, 0)

    def to(run_at):
        return [to[0] for to, _subject in run(run_at, mailoutbox)]

    assert to(at(UTC, 2027, 3, 8, 23, 59)) == []
    assert to(at(UTC, 2027, 3, 9, 0, 0)) == ["east@example.org"]
    assert to(at(UTC, 2027, 3, 9, 7, 59)) == []
    assert to(at(UTC, 2027, 3, 9, 8, 0)) == ["west@example.org"]
    assert to(at(UTC, 2027, 3, 9, 22, 59)) == []
    assert to(at(UTC, 2027, 3, 9, 23, 0)) == ["east@example.org"]
    assert to(at(UTC, 2027, 3, 10, 6, 59)) == []
    assert to(at(UTC, 2027, 3, 10, 7, 0)) == ["west@example.org"]
    assert to(at(UTC, 2027, 3, 10, 7, 1)) == []


def test_the_reminder_shows_the_time_in_the_institutions_zone(db, mailoutbox):
    institution, admin = staffed("Asia/Vladivostok", "east@example.org")
    starts = at(ZoneInfo("Asia/Vladivostok"), 2027, 3, 10, 9, 15)  # 23:15 UTC the day before
    event(institution, admin, starts, title=TITLE, now=at(UTC, 2027, 3, 1))
    run(starts - DAY, mailoutbox)
    assert len(mailoutbox) == 1
    assert "09:15" in mailoutbox[0].body and "23:15" not in mailoutbox[0].body


def test_a_leaver_gets_no_reminders(institution, klass, admin_user, class_teacher, mailoutbox):
    event(institution, admin_user, START, units=[klass], now=START - 3 * DAY)
    roles_services.leave(
        person=class_teacher, effective_date=institution.local_today(), by=admin_user
    )
    assert run(START - DAY, mailoutbox) == []
