"""Reminders of events: when they are due (a day and an hour before, in the institution's
zone), sending the due ones once each, and an extra reminder on request.

The recipients are read in `channels_app.selectors.reminder_recipients`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles import services as roles_services
from roles.errors import RuleBroken
from sferum_portal import links, mail

from .. import selectors
from ..models import Event, EventStatus
from .common import _check_event_manager

logger = logging.getLogger(__name__)
DAY_REMINDER_GRACE = dt.timedelta(hours=2)
SUBJECTS = {
    "day": gettext_lazy("Tomorrow: %(title)s"),
    "hour": gettext_lazy("In an hour: %(title)s"),
}
OTHER_SUBJECT = gettext_lazy("Reminder: %(title)s")


def reminder_times(starts_at: dt.datetime, tz) -> tuple[dt.datetime, dt.datetime]:
    """A day before at the same wall-clock time in the institution's zone, and an hour before.

    Wall-clock arithmetic keeps "the day before at 10:00" at 10:00 across a daylight-saving
    change (23 or 25 hours before); the hour before is an hour of real time.
    """
    local = starts_at.astimezone(tz)
    day_before = dt.datetime.combine(
        local.date() - dt.timedelta(days=1), local.time().replace(tzinfo=None), tzinfo=tz
    )
    return day_before.astimezone(dt.UTC), (starts_at - dt.timedelta(hours=1)).astimezone(dt.UTC)


def _send_reminder(event: Event, which: str) -> tuple[int, int]:
    """One message per recipient (nobody sees the others' addresses), over one connection.
    Returns (sent, recipients)."""
    context = {"event": event, "which": which, "base_url": links.base_url()}
    messages = [
        mail.build(
            to=email,
            body_template="channels/email/event_reminder.txt",
            context=context,
            subject=SUBJECTS.get(which, OTHER_SUBJECT),
            subject_params={"title": event.title},
            tz=event.institution.tzinfo,
        )
        for email in selectors.reminder_recipients(event)
    ]
    return mail.send(messages), len(messages)


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """E-mail staff a day and an hour before. Each reminder is claimed once, then sent.

    The claim is a conditional UPDATE, so a rerun, a restarted worker or two workers never
    send the same reminder twice. A day reminder whose moment came within the last hour before
    the start, or more than DAY_REMINDER_GRACE ago, is left to the hour reminder.
    """
    now = now or timezone.now()
    sent = 0
    planned = Event.objects.filter(status=EventStatus.PLANNED, starts_at__gt=now)
    for which, due, flag in (
        ("day", "remind_day_at", "day_reminder_sent_at"),
        ("hour", "remind_hour_at", "hour_reminder_sent_at"),
    ):
        candidates = planned.filter(**{f"{due}__lte": now, f"{flag}__isnull": True})
        if which == "day":
            # "Tomorrow" sent hours late (an event planned at short notice, a worker that was
            # down) would be wrong: past its grace the day reminder is left to the hour one.
            candidates = candidates.filter(
                remind_hour_at__gt=now, remind_day_at__gt=now - DAY_REMINDER_GRACE
            )
        for pk in list(candidates.values_list("pk", flat=True)):
            claimed = Event.objects.filter(
                pk=pk, status=EventStatus.PLANNED, **{f"{flag}__isnull": True}
            ).update(**{flag: now})
            if not claimed:
                continue
            event = Event.objects.select_related("institution", "host").get(pk=pk)
            try:
                done, recipients = _send_reminder(event, which)
            except Exception:  # noqa: BLE001 - one event's reminder never stops the others
                logger.exception("Reminder of event %s could not be built", pk)
                done, recipients = 0, 1
            if recipients and not done:
                # Nothing reached anyone (the mail server is down): the next run tries again.
                Event.objects.filter(pk=pk, **{flag: now}).update(**{flag: None})
            sent += done
    return sent


def remind_now(*, event: Event, by, now: dt.datetime | None = None) -> int:
    """An extra reminder on request (a changed link, say); never for a closed or past event."""
    _check_event_manager(by, event)
    if event.status == EventStatus.CANCELLED:
        raise RuleBroken(_("The event is cancelled: nobody is reminded of it."))
    if event.status == EventStatus.HELD or event.starts_at <= (now or timezone.now()):
        raise RuleBroken(_("The event has already started: a reminder is too late."))
    sent, _recipients = _send_reminder(event, "now")
    roles_services.audit(
        institution=event.institution,
        actor=by,
        action="event.remind",
        summary=_("Reminder sent: %(title)s (%(count)s)") % {"title": event.title, "count": sent},
        obj=event,
    )
    return sent
