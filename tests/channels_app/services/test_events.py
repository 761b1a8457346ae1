"""Planning events: the checks of the input, the teacher-only-own-classes rule, closing them,
reminding now."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from channels_app import services
from channels_app.models import Event, EventFormat, EventKind, EventStatus, SeminarAttendance
from roles import services as roles_services
from roles.models import Role, UnitKind

from ...factories import make_institution, make_member, make_unit
from ..helpers import member, teacher

NOW = dt.datetime(2030, 3, 4, 7, 0, tzinfo=dt.UTC)  # 10:00 in Moscow
START = NOW + dt.timedelta(days=3)


def has_cyrillic(text: str) -> bool:
    return any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in text)


def plan(by, institution, **overrides):
    args = {
        "institution": institution,
        "kind": EventKind.BROADCAST,
        "title": "Трансляция концерта",
        "starts_at": START,
        "ends_at": START + dt.timedelta(minutes=90),
        "by": by,
        "now": NOW,
    }
    args.update(overrides)
    return services.create_event(**args)


# --- input that makes no sense ------------------------------------------------------------------

NONSENSE = {
    "ends_before_start": ({"ends_at": START - dt.timedelta(minutes=1)}, "ends_at"),
    "ends_at_start": ({"ends_at": START}, "ends_at"),
    "starts_in_the_past": (
        {"starts_at": NOW - dt.timedelta(minutes=1), "ends_at": NOW + dt.timedelta(hours=1)},
        "starts_at",
    ),
    "starts_now": ({"starts_at": NOW, "ends_at": NOW + dt.timedelta(hours=1)}, "starts_at"),
    "hybrid_without_place": ({"format": EventFormat.HYBRID, "place": "  "}, "place"),
    "longer_than_a_day": ({"ends_at": START + dt.timedelta(hours=24, minutes=1)}, "ends_at"),
    "lesson_without_classes": ({"kind": EventKind.LESSON, "units": []}, "units"),
    "no_title": ({"title": "   "}, "title"),
    "http_link": ({"meeting_link": "http://sferum.ru/?call_link=abc"}, "meeting_link"),
}


@pytest.mark.parametrize("case", list(NONSENSE))
def test_nonsense_is_refused_with_a_russian_message_and_nothing_is_created(
    institution, admin_user, case
):
    overrides, field = NONSENSE[case]
    with pytest.raises(ValidationError) as refused:
        plan(admin_user, institution, **overrides)
    messages = refused.value.message_dict[field]
    assert messages and all(has_cyrillic(m) for m in messages), messages
    assert not Event.objects.exists()


def test_a_day_long_hybrid_event_with_a_place_is_fine(institution, admin_user):
    created = plan(
        admin_user,
        institution,
        ends_at=START + dt.timedelta(hours=24),
        format=EventFormat.HYBRID,
        place=" Актовый зал ",
    )
    assert created.duration_minutes == 24 * 60 and created.place == "Актовый зал"


def test_a_unit_of_another_institution_is_refused(institution, admin_user):
    foreign = make_unit(make_institution(), UnitKind.CLASS, "7В")
    with pytest.raises(ValidationError) as refused:
        plan(admin_user, institution, units=[foreign])
    assert has_cyrillic(refused.value.message_dict["units"][0])
    with pytest.raises(ValidationError):
        plan(admin_user, institution, kind=EventKind.LESSON, units=[foreign])
    assert not Event.objects.exists()


# --- who plans what -------------------------------------------------------------------------------


def test_a_verified_teacher_plans_lessons_for_their_own_class(institution, klass, class_teacher):
    lesson = plan(class_teacher.user, institution, kind=EventKind.LESSON, units=[klass])
    assert list(lesson.audience_units.all()) == [klass]
    assert lesson.audience_roles == [Role.STUDENT]
    assert lesson.host == class_teacher and lesson.created_by == class_teacher.user


def test_a_teacher_cannot_plan_a_lesson_for_another_class(
    institution, klass, other_class, class_teacher
):
    for units in ([other_class], [klass, other_class], [roles_services.staff_room(institution)]):
        with pytest.raises(PermissionDenied):
            plan(class_teacher.user, institution, kind=EventKind.LESSON, units=units)
    assert not Event.objects.exists()


@pytest.mark.parametrize("kind", [EventKind.BROADCAST, EventKind.MEETING, EventKind.SEMINAR])
def test_a_teacher_cannot_plan_broadcasts_meetings_or_seminars(
    institution, klass, class_teacher, kind
):
    for units in ([], [klass]):
        with pytest.raises(PermissionDenied):
            plan(class_teacher.user, institution, kind=kind, units=units)
    assert not Event.objects.exists()


def test_an_unverified_teacher_cannot_plan_even_for_their_class(institution, klass):
    unverified = teacher(institution, klass, verified=False)
    with pytest.raises(PermissionDenied):
        plan(unverified.user, institution, kind=EventKind.LESSON, units=[klass])
    assert not Event.objects.exists()


def test_families_the_director_and_outsiders_plan_nothing(institution, klass, director):
    outsider = make_member(make_institution(), Role.ADMIN).user
    for user in (
        member(klass, Role.STUDENT).user,
        member(klass, Role.PARENT).user,
        director.user,
        outsider,
    ):
        for kind in EventKind.values:
            with pytest.raises(PermissionDenied):
                plan(user, institution, kind=kind, units=[klass])
    assert not Event.objects.exists()


@pytest.mark.parametrize("kind", EventKind.values)
def test_the_admin_plans_every_kind(institution, klass, other_class, admin_user, kind):
    created = plan(admin_user, institution, kind=kind, units=[klass, other_class])
    assert created.kind == kind and created.status == EventStatus.PLANNED
    assert set(created.audience_units.all()) == {klass, other_class}


def test_a_teacher_cannot_move_their_lesson_to_another_class(
    institution, klass, other_class, class_teacher
):
    lesson = plan(class_teacher.user, institution, kind=EventKind.LESSON, units=[klass])
    with pytest.raises(PermissionDenied):
        services.update_event(
            event=lesson,
            by=class_teacher.user,
            title=lesson.title,
            starts_at=lesson.starts_at,
            ends_at=lesson.ends_at,
            units=[other_class],
            now=NOW,
        )
    assert list(Event.objects.get(pk=lesson.pk).audience_units.all()) == [klass]


def test_another_teacher_cannot_change_or_cancel_the_lesson(institution, klass, class_teacher):
    lesson = plan(class_teacher.user, institution, kind=EventKind.LESSON, units=[klass])
    colleague = teacher(institution, klass).user  # teaches 3А too, but did not plan it
    with pytest.raises(PermissionDenied):
        services.cancel_event(event=lesson, by=colleague, reason="Болею")
    assert Event.objects.get(pk=lesson.pk).status == EventStatus.PLANNED


# --- afterwards -----------------------------------------------------------------------------------


def test_cancelling_needs_a_reason(institution, admin_user):
    planned = plan(admin_user, institution)
    with pytest.raises(ValidationError) as refused:
        services.cancel_event(event=planned, by=admin_user, reason="   ")
    assert has_cyrillic(refused.value.message_dict["reason"][0])
    assert Event.objects.get(pk=planned.pk).status == EventStatus.PLANNED

    services.cancel_event(event=planned, by=admin_user, reason="Ведущий заболел")
    planned.refresh_from_db()
    assert planned.status == EventStatus.CANCELLED
    assert planned.cancel_reason == "Ведущий заболел" and planned.closed_at is not None
    with pytest.raises(ValidationError):
        services.cancel_event(event=planned, by=admin_user, reason="Ещё раз")
    with pytest.raises(ValidationError):
        services.mark_event_held(
            event=planned, by=admin_user, attendance_count=3, now=START + dt.timedelta(hours=2)
        )


def test_an_event_is_marked_held_only_once_it_started(institution, admin_user):
    planned = plan(admin_user, institution)
    with pytest.raises(ValidationError) as refused:
        services.mark_event_held(
            event=planned, by=admin_user, attendance_count=10, now=START - dt.timedelta(minutes=1)
        )
    assert has_cyrillic(refused.value.messages[0])
    assert Event.objects.get(pk=planned.pk).status == EventStatus.PLANNED

    after = START + dt.timedelta(hours=2)
    for count, link in ((-1, ""), (5, "http://vk.com/video-1_1")):
        with pytest.raises(ValidationError):
            services.mark_event_held(
                event=planned, by=admin_user, attendance_count=count, recording_link=link, now=after
            )
    assert Event.objects.get(pk=planned.pk).status == EventStatus.PLANNED

    services.mark_event_held(
        event=planned,
        by=admin_user,
        attendance_count=42,
        recording_link="https://vk.com/video-1_2",
        now=after,
    )
    planned.refresh_from_db()
    assert planned.status == EventStatus.HELD
    assert planned.attendance_count == 42
    assert planned.recording_link == "https://vk.com/video-1_2"
    assert planned.closed_at is not None


def test_teachers_mark_attended_seminars_only_once_they_started(
    institution, klass, admin_user, class_teacher
):
    seminar = plan(admin_user, institution, kind=EventKind.SEMINAR)
    broadcast = plan(admin_user, institution)
    after = START + dt.timedelta(minutes=5)
    user = class_teacher.user
    with pytest.raises(ValidationError):
        services.mark_attended(event=broadcast, by=user, now=after)
    with pytest.raises(ValidationError):
        services.mark_attended(event=seminar, by=user, now=START - dt.timedelta(minutes=1))
    assert not SeminarAttendance.objects.exists()

    assert services.mark_attended(event=seminar, by=user, now=after) is True
    assert services.mark_attended(event=seminar, by=user, now=after) is True
    assert list(SeminarAttendance.objects.values_list("event", "person")) == [
        (seminar.pk, class_teacher.pk)
    ]
    with pytest.raises(PermissionDenied):
        services.mark_attended(event=seminar, by=member(klass, Role.STUDENT).user, now=after)
    assert services.mark_attended(event=seminar, by=user, attended=False, now=after) is False
    assert not SeminarAttendance.objects.exists()

    services.cancel_event(event=seminar, by=admin_user, reason="Перенос")
    with pytest.raises(ValidationError):
        services.mark_attended(event=Event.objects.get(pk=seminar.pk), by=user, now=after)
    assert not SeminarAttendance.objects.exists()


def test_no_reminder_for_a_cancelled_or_past_event(
    institution, klass, admin_user, class_teacher, mailoutbox
):
    planned = plan(admin_user, institution, units=[klass])
    assert services.remind_now(event=planned, by=admin_user, now=NOW) == 1
    assert mailoutbox[0].to == ["teacher@example.org"]
    assert mailoutbox[0].subject == f"Напоминание: {planned.title}"
    mailoutbox.clear()

    with pytest.raises(ValidationError) as refused:
        services.remind_now(event=planned, by=admin_user, now=START)
    assert has_cyrillic(refused.value.messages[0])
    services.cancel_event(event=planned, by=admin_user, reason="Перенос")
    with pytest.raises(ValidationError) as refused:
        services.remind_now(event=Event.objects.get(pk=planned.pk), by=admin_user, now=NOW)
    assert has_cyrillic(refused.value.messages[0])
    assert mailoutbox == []


def test_only_whoever_manages_the_event_reminds_now(institution, klass, admin_user, class_teacher):
    planned = plan(admin_user, institution, units=[klass])
    with pytest.raises(PermissionDenied):
        services.remind_now(event=planned, by=class_teacher.user, now=NOW)
