"""Events that already happened can be recorded (regulation 2.2.6, 2.2.7, 2.3.4; issue 13,
item 7): a meeting, lesson or broadcast held without being planned in the portal is entered after
the fact, held, with its attendance and recording, and the monitoring counts it."""

import datetime as dt
import html
import time

import pytest
from django.utils import timezone

from channels_app import services
from channels_app.models import Event, EventFormat, EventKind, EventStatus
from roles.errors import NotAllowed, RuleBroken
from roles.models import AuditEvent
from stats.models import UsageSnapshot

from ...conftest import login
from ..helpers import event, page, ru, text_of

RECORDING = "https://vk.com/video-1_456239017"


def rolled_up(institution, day) -> UsageSnapshot:
    """The day's snapshot once the rollup job has run: eager without a broker, a worker thread
    in CI."""
    deadline = time.monotonic() + 30
    while True:
        snapshot = UsageSnapshot.objects.filter(institution=institution, day=day).first()
        if snapshot is not None:
            return snapshot
        assert time.monotonic() < deadline, "the rollup of the day did not run"
        time.sleep(0.05)


def held_form(institution, *, kind=EventKind.MEETING, units=(), days_ago=2, minutes=60, **extra):
    starts = (timezone.now() - dt.timedelta(days=days_ago)).astimezone(institution.tzinfo)
    starts = starts.replace(hour=15, minute=0, second=0, microsecond=0)
    data = {
        "kind": kind,
        "title": "Совещание при директоре",
        "description": "Проведено в VK-мессенджере без планирования на портале.",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M"),
        "format": EventFormat.ONLINE,
        "place": "",
        "host": "",
        "units": [u.pk for u in units],
        "meeting_link": "",
        "attendance_count": 14,
        "recording_link": RECORDING,
    }
    data.update(extra)
    return data, starts


def test_the_admin_records_a_meeting_held_two_days_ago_and_the_monitoring_counts_it(
    job_worker, institution, admin_user
):
    client = login(admin_user)
    form = client.get(page("event_record", institution))
    assert form.status_code == 200
    data, starts = held_form(institution)
    response = client.post(page("event_record", institution), data)
    assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get()
    assert event.status == EventStatus.HELD
    assert (event.attendance_count, event.recording_link) == (14, RECORDING)
    assert event.closed_at is not None
    assert event.remind_day_at is None and event.remind_hour_at is None  # nothing to remind
    assert AuditEvent.objects.filter(action="event.record").exists()
    # Its day's statistics were rolled up again: the held meeting is counted there.
    day = starts.date()
    assert rolled_up(institution, day).events_held == 1
    # The event's page says it was held, with its figures, and promises no reminders.
    detail = html.unescape(text_of(client.get(response["Location"])))
    assert ru("Took part") in detail and "14" in detail
    assert ru("Staff get e-mail reminders a day and an hour before.") not in detail
    # It is among the past events.
    past = client.get(page("events", institution), {"period": "past"})
    assert event in list(past.context["page"])


def test_an_event_not_over_yet_is_not_recorded_as_held(institution, admin_user):
    data, _starts = held_form(institution, days_ago=0, minutes=24 * 60 - 1)
    data["starts_at"] = (
        (timezone.now() - dt.timedelta(minutes=10))
        .astimezone(institution.tzinfo)
        .strftime("%Y-%m-%dT%H:%M")
    )
    data["ends_at"] = (
        (timezone.now() + dt.timedelta(hours=1))
        .astimezone(institution.tzinfo)
        .strftime("%Y-%m-%dT%H:%M")
    )
    response = login(admin_user).post(page("event_record", institution), data)
    assert response.status_code == 200
    assert "ends_at" in response.context["form"].errors
    assert not Event.objects.exists()


def test_recording_keeps_the_checks_and_planning_still_refuses_the_past(institution, admin_user):
    now = timezone.now()
    with pytest.raises(RuleBroken) as refusal:
        services.record_held_event(
            institution=institution,
            kind=EventKind.BROADCAST,
            title="Трансляция",
            starts_at=now - dt.timedelta(days=400),
            ends_at=now - dt.timedelta(days=400) + dt.timedelta(hours=1),
            attendance_count=5,
            by=admin_user,
        )
    assert "starts_at" in refusal.value.message_dict
    with pytest.raises(RuleBroken) as refusal:
        services.record_held_event(
            institution=institution,
            kind=EventKind.BROADCAST,
            title="Трансляция",
            starts_at=now - dt.timedelta(hours=3),
            ends_at=now - dt.timedelta(hours=2),
            attendance_count=-1,
            by=admin_user,
        )
    assert "attendance_count" in refusal.value.message_dict
    with pytest.raises(RuleBroken) as refusal:
        services.record_held_event(
            institution=institution,
            kind=EventKind.BROADCAST,
            title="Трансляция",
            starts_at=now - dt.timedelta(hours=3),
            ends_at=now - dt.timedelta(hours=2),
            attendance_count=3,
            recording_link="http://example.org/insecure",
            by=admin_user,
        )
    assert "recording_link" in refusal.value.message_dict
    # Planning is for the future, as before.
    with pytest.raises(RuleBroken) as refusal:
        services.create_event(
            institution=institution,
            kind=EventKind.BROADCAST,
            title="Трансляция",
            starts_at=now - dt.timedelta(hours=3),
            ends_at=now - dt.timedelta(hours=2),
            by=admin_user,
        )
    assert "starts_at" in refusal.value.message_dict
    assert not Event.objects.exists()


def test_a_teacher_records_a_lesson_of_their_own_class_only(
    institution, klass, other_class, class_teacher
):
    client = login(class_teacher.user)
    form = client.get(page("event_record", institution))
    assert list(form.context["form"].fields["kind"].choices) == [
        (EventKind.LESSON, EventKind.LESSON.label)
    ]
    data, _starts = held_form(institution, kind=EventKind.LESSON, units=[other_class])
    refused = client.post(page("event_record", institution), data)
    assert refused.status_code in (200, 403)
    assert not Event.objects.exists()
    with pytest.raises(NotAllowed):
        services.record_held_event(
            institution=institution,
            kind=EventKind.MEETING,
            title="Совещание",
            starts_at=timezone.now() - dt.timedelta(hours=3),
            ends_at=timezone.now() - dt.timedelta(hours=2),
            attendance_count=3,
            by=class_teacher.user,
        )
    data, _starts = held_form(institution, kind=EventKind.LESSON, units=[klass], title="Урок")
    response = client.post(page("event_record", institution), data)
    assert response.status_code == 302
    lesson = Event.objects.get()
    assert lesson.status == EventStatus.HELD and list(lesson.audience_units.all()) == [klass]


def test_the_events_list_offers_recording_to_those_who_plan(institution, admin_user, student):
    url = page("event_record", institution)
    assert url in text_of(login(admin_user).get(page("events", institution)))
    assert url not in text_of(login(student.user).get(page("events", institution)))
    assert login(student.user).get(url).status_code == 403


def test_a_planned_event_marked_held_days_later_is_counted_on_its_day(
    job_worker, institution, admin_user
):
    starts = (timezone.now() - dt.timedelta(days=3)).replace(second=0, microsecond=0)
    planned = event(institution, admin_user, starts)
    services.mark_event_held(event=planned, by=admin_user, attendance_count=20)
    day = starts.astimezone(institution.tzinfo).date()
    assert rolled_up(institution, day).events_held == 1
