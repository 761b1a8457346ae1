"""Events (broadcasts, administration meetings, remote lessons, seminars): planning them with
the checks of their input, changing, cancelling, marking them held, and the teachers' own
attendance marks at seminars.

When the reminders are due and sending them is in `reminders`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions as role_permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Institution, Person, PersonKind, Role, Unit
from sferum_portal.celery import publish
from sferum_portal.editing import one_line

from .. import permissions
from ..models import Event, EventFormat, EventKind, EventStatus, SeminarAttendance
from .common import _check_event_manager, _https
from .reminders import reminder_times

MAX_EVENT_MINUTES = 24 * 60
# An event held without being planned in the portal is recorded up to this far back (the
# statistics catch up on as many days).
MAX_RECORD_DAYS = 366


def _event_roles(kind: str, roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise RuleBroken({"roles": _("Unknown role: %(role)s") % {"role": unknown[0]}})
    if not roles and kind == EventKind.SEMINAR:
        return [Role.TEACHER]
    if not roles and kind == EventKind.MEETING:
        return [r for r in Role.values if r in role_permissions.MANAGEMENT]
    if not roles and kind == EventKind.LESSON:
        return [Role.STUDENT]
    return roles


def _check_event(
    *,
    institution: Institution,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    fmt: str,
    place: str,
    host: Person | None,
    units: list[Unit],
    meeting_link: str,
    now: dt.datetime,
    held: bool = False,
) -> None:
    """The checks of an event's input. A planned event starts in the future; one recorded
    after the fact (`held`) has started and ended in the past, within a year."""
    errors: dict[str, str] = {}
    if kind not in EventKind.values:
        errors["kind"] = _("Choose the kind of event.")
    if not one_line(title):
        errors["title"] = _("Give the event a title.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("event times must be aware")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The event ends before it starts: check the times.")
    elif ends_at - starts_at > dt.timedelta(minutes=MAX_EVENT_MINUTES):
        errors["ends_at"] = _("An event lasts at most 24 hours.")
    if held:
        if "ends_at" not in errors and ends_at > now:
            errors["ends_at"] = _(
                "The event is not over yet: record it once it has ended, or plan it instead."
            )
        if starts_at < now - dt.timedelta(days=MAX_RECORD_DAYS):
            errors["starts_at"] = _("An event is recorded up to a year after it was held.")
    elif starts_at <= now:
        errors["starts_at"] = _("This time has passed: an event is planned in the future.")
    if fmt == EventFormat.HYBRID and not place.strip():
        errors["place"] = _("A hybrid event needs a place (room, address).")
    if host is not None and (
        host.institution_id != institution.pk or host.kind != PersonKind.STAFF or host.has_left
    ):
        errors["host"] = _("The host must be a member of the institution's staff.")
    for unit in units:
        if unit.institution_id != institution.pk:
            errors["units"] = _("The unit belongs to another institution.")
        elif unit.is_archived:
            errors["units"] = _("The unit «%(unit)s» is archived.") % {"unit": unit}
    if kind == EventKind.LESSON and not units:
        errors["units"] = _("Choose the classes of the lesson.")
    try:
        _https(meeting_link, "meeting_link")
    except RuleBroken as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise RuleBroken(errors)


def _set_reminders(event: Event) -> None:
    event.remind_day_at, event.remind_hour_at = reminder_times(
        event.starts_at, event.institution.tzinfo
    )


@transaction.atomic
def create_event(
    *,
    institution: Institution,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by,
    format: str = EventFormat.ONLINE,
    place: str = "",
    host: Person | None = None,
    units: Iterable[Unit] = (),
    roles: Iterable[str] = (),
    description: str = "",
    meeting_link: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """Plan a broadcast, meeting, seminar (the admin) or a lesson (a teacher, own classes)."""
    units = list(units)
    if not permissions.can_create_event(by, institution, kind, units):
        raise NotAllowed(
            _("A teacher plans lessons for their own classes only.")
            if kind == EventKind.LESSON
            else _("Only the institution's administrator plans this kind of event.")
        )
    event = _new_event(
        institution=institution,
        kind=kind,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        host=host,
        units=units,
        roles=roles,
        meeting_link=meeting_link,
        by=by,
        now=now or timezone.now(),
    )
    _set_reminders(event)
    event.save()
    event.audience_units.set(units)
    roles_services.audit(
        institution=institution,
        actor=by,
        action="event.create",
        summary=_("Event planned: %(title)s") % {"title": event.title},
        obj=event,
    )
    return event


def _new_event(
    *,
    institution: Institution,
    kind: str,
    title: str,
    description: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    format: str,
    place: str,
    host: Person | None,
    units: list[Unit],
    roles: Iterable[str],
    meeting_link: str,
    by,
    now: dt.datetime,
    held: bool = False,
    **fields,
) -> Event:
    """An unsaved event from its input, checked here (`_check_event`): planned, or held
    already (`held`, with the held event's `fields`). Without a host, its creator hosts it."""
    if host is None:
        host = role_permissions.person_of(by, institution)
    _check_event(
        institution=institution,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        fmt=format,
        place=place,
        host=host,
        units=units,
        meeting_link=meeting_link,
        now=now,
        held=held,
    )
    return Event(
        institution=institution,
        kind=kind,
        title=one_line(title),
        description=description.strip(),
        starts_at=starts_at,
        duration_minutes=int((ends_at - starts_at).total_seconds() // 60),
        format=format,
        place=place.strip() if format == EventFormat.HYBRID else "",
        host=host,
        audience_roles=_event_roles(kind, roles),
        meeting_link=meeting_link,
        created_by=by,
        **fields,
    )


@transaction.atomic
def record_held_event(
    *,
    institution: Institution,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by,
    attendance_count: int,
    recording_link: str = "",
    format: str = EventFormat.ONLINE,
    place: str = "",
    host: Person | None = None,
    units: Iterable[Unit] = (),
    roles: Iterable[str] = (),
    description: str = "",
    meeting_link: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """Record a meeting, lesson or broadcast that was held without being planned in the portal
    (regulation 2.2.6, 2.2.7, 2.3.4): held, with its attendance and recording, so that the
    monitoring counts it. Who may plan the kind may record it; start and end are in the past.
    No reminder is due; the statistics of its day are rolled up again."""
    units = list(units)
    if not permissions.can_create_event(by, institution, kind, units):
        raise NotAllowed(
            _("A teacher records lessons of their own classes only.")
            if kind == EventKind.LESSON
            else _("Only the institution's administrator records this kind of event.")
        )
    event = _new_event(
        institution=institution,
        kind=kind,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        host=host,
        units=units,
        roles=roles,
        meeting_link=meeting_link,
        by=by,
        now=now or timezone.now(),
        held=True,
        status=EventStatus.HELD,
        attendance_count=attendance_count,
        recording_link=recording_link,
        closed_at=timezone.now(),
    )
    # After the event's own checks, as before: their errors come first.
    if attendance_count is None or attendance_count < 0:
        raise RuleBroken({"attendance_count": _("Enter how many took part.")})
    _https(recording_link, "recording_link")
    event.save()
    event.audience_units.set(units)
    roles_services.audit(
        institution=institution,
        actor=by,
        action="event.record",
        summary=_("Held event recorded after the fact: %(title)s") % {"title": event.title},
        obj=event,
        data={"attendance_count": attendance_count},
    )
    _recount_day_of(event)
    return event


def _recount_day_of(event: Event) -> None:
    """An event marked held on a later day: its day's statistics are rolled up again (today's
    are rolled up anyway)."""
    institution = event.institution
    day = event.starts_at.astimezone(institution.tzinfo).date()
    if day < institution.local_today():
        transaction.on_commit(
            lambda: publish("stats.tasks.rollup_day", institution.pk, day.isoformat())
        )


def _locked_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _check_planned(event: Event) -> None:
    if event.status != EventStatus.PLANNED:
        raise RuleBroken(
            _("The event is already marked «%(status)s».") % {"status": event.get_status_display()}
        )


@transaction.atomic
def update_event(
    *,
    event: Event,
    by,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    format: str = EventFormat.ONLINE,
    place: str = "",
    host: Person | None = None,
    units: Iterable[Unit] = (),
    roles: Iterable[str] = (),
    description: str = "",
    meeting_link: str = "",
    now: dt.datetime | None = None,
) -> Event:
    event = _locked_event(event)
    _check_event_manager(by, event)
    _check_planned(event)
    units = list(units)
    if event.kind == EventKind.LESSON and not permissions.can_create_event(
        by, event.institution, event.kind, units
    ):
        raise NotAllowed(_("A teacher plans lessons for their own classes only."))
    host = host or event.host
    _check_event(
        institution=event.institution,
        kind=event.kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        fmt=format,
        place=place,
        host=host,
        units=units,
        meeting_link=meeting_link,
        now=now or timezone.now(),
    )
    moved = starts_at != event.starts_at
    event.title = one_line(title)
    event.description = description.strip()
    event.starts_at = starts_at
    event.duration_minutes = int((ends_at - starts_at).total_seconds() // 60)
    event.format = format
    event.place = place.strip() if format == EventFormat.HYBRID else ""
    event.host = host
    event.audience_roles = _event_roles(event.kind, roles)
    event.meeting_link = meeting_link
    if moved:
        # A new time gets its own reminders.
        _set_reminders(event)
        event.day_reminder_sent_at = None
        event.hour_reminder_sent_at = None
    event.save()
    event.audience_units.set(units)
    roles_services.audit(
        institution=event.institution,
        actor=by,
        action="event.update",
        summary=_("Event changed: %(title)s") % {"title": event.title},
        obj=event,
    )
    return event


@transaction.atomic
def cancel_event(*, event: Event, by, reason: str) -> Event:
    event = _locked_event(event)
    _check_event_manager(by, event)
    _check_planned(event)
    reason = reason.strip()
    if not reason:
        raise RuleBroken({"reason": _("Say why the event is cancelled.")})
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason[:500]
    event.closed_at = timezone.now()
    event.save()
    roles_services.audit(
        institution=event.institution,
        actor=by,
        action="event.cancel",
        summary=_("Event cancelled: %(title)s") % {"title": event.title},
        obj=event,
    )
    return event


@transaction.atomic
def mark_event_held(
    *,
    event: Event,
    by,
    attendance_count: int,
    recording_link: str = "",
    now: dt.datetime | None = None,
) -> Event:
    event = _locked_event(event)
    _check_event_manager(by, event)
    _check_planned(event)
    if event.starts_at > (now or timezone.now()):
        raise RuleBroken(_("The event has not started yet: mark it after it is held."))
    if attendance_count is None or attendance_count < 0:
        raise RuleBroken({"attendance_count": _("Enter how many took part.")})
    _https(recording_link, "recording_link")
    event.status = EventStatus.HELD
    event.attendance_count = attendance_count
    event.recording_link = recording_link
    event.closed_at = timezone.now()
    event.save()
    roles_services.audit(
        institution=event.institution,
        actor=by,
        action="event.held",
        summary=_("Event held: %(title)s") % {"title": event.title},
        obj=event,
    )
    _recount_day_of(event)
    return event


@transaction.atomic
def mark_attended(
    *, event: Event, by, attended: bool = True, now: dt.datetime | None = None
) -> bool:
    """A teacher marks (or unmarks) that they attended a seminar, once it has started."""
    if event.kind != EventKind.SEMINAR:
        raise RuleBroken(_("Attendance is marked for seminars only."))
    if event.status == EventStatus.CANCELLED:
        raise RuleBroken(_("The seminar was cancelled."))
    if event.starts_at > (now or timezone.now()):
        raise RuleBroken(_("The seminar has not started yet."))
    person = role_permissions.person_of(by, event.institution)
    if person is None or not (
        role_permissions.STAFF & role_permissions.roles_of(by, event.institution)
    ):
        raise NotAllowed(_("Only the institution's staff mark their attendance."))
    if attended:
        SeminarAttendance.objects.get_or_create(event=event, person=person)
    else:
        SeminarAttendance.objects.filter(event=event, person=person).delete()
    return attended
