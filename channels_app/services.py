"""Every write of channels, posts (the editorial workflow), events, feeds and support requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail, send_mass_mail
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from roles import permissions as role_permissions
from roles import services as roles_services
from roles.models import Institution, Person, PersonKind, Role, TodoKind, Unit
from sferum_portal.tokens import hash_token, new_token

from . import permissions, selectors
from .models import (
    Channel,
    ChannelAuthor,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    FeedToken,
    Post,
    PostHistory,
    PostState,
    SeminarAttendance,
    SupportRequest,
    SupportStatus,
)

MAX_EVENT_MINUTES = 24 * 60
DAY_REMINDER_GRACE = dt.timedelta(hours=2)


class PostTransitionError(PermissionDenied):
    """A step of the editorial workflow that this user may not take in this state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _https(value: str, field: str) -> None:
    if not value:
        return
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        raise ValidationError(
            {field: _("Enter a full https:// address, e.g. https://sferum.ru/…")}
        ) from None


# --- channels ---------------------------------------------------------------------------------


def _check_manage(by, institution: Institution) -> None:
    if not role_permissions.can(by, "channel.manage", institution):
        raise PermissionDenied(_("Only the institution's administrator manages channels."))


@transaction.atomic
def create_channel(
    *,
    institution: Institution,
    name: str,
    by,
    platform: str = "max",
    link: str = "",
    audience: str = "everyone",
    description: str = "",
) -> Channel:
    _check_manage(by, institution)
    _https(link, "link")
    name = name.strip()
    if Channel.objects.filter(institution=institution, name__iexact=name).exists():
        raise ValidationError({"name": _("A channel with this name already exists.")})
    channel = Channel(
        institution=institution,
        name=name,
        platform=platform,
        link=link,
        audience=audience,
        description=description,
    )
    channel.full_clean()
    channel.save()
    roles_services.audit(
        institution=institution,
        actor=by,
        action="channel.create",
        summary=_("Channel created: %(name)s") % {"name": channel.name},
        obj=channel,
    )
    return channel


@transaction.atomic
def update_channel(*, channel: Channel, by, **fields) -> Channel:
    _check_manage(by, channel.institution)
    _https(fields.get("link", ""), "link")
    name = fields.get("name", channel.name).strip()
    clash = Channel.objects.filter(institution=channel.institution, name__iexact=name).exclude(
        pk=channel.pk
    )
    if clash.exists():
        raise ValidationError({"name": _("A channel with this name already exists.")})
    for key in ("name", "platform", "link", "audience", "description"):
        if key in fields:
            setattr(channel, key, fields[key].strip() if key == "name" else fields[key])
    channel.full_clean()
    channel.save()
    roles_services.audit(
        institution=channel.institution,
        actor=by,
        action="channel.update",
        summary=_("Channel changed: %(name)s") % {"name": channel.name},
        obj=channel,
    )
    return channel


@transaction.atomic
def archive_channel(*, channel: Channel, by) -> Channel:
    _check_manage(by, channel.institution)
    if channel.posts.filter(state=PostState.SCHEDULED).exists():
        raise ValidationError(
            _("Posts are scheduled in this channel: unschedule or reject them first.")
        )
    if channel.archived_at is None:
        channel.archived_at = timezone.now()
        channel.save(update_fields=["archived_at"])
        roles_services.audit(
            institution=channel.institution,
            actor=by,
            action="channel.archive",
            summary=_("Channel archived: %(name)s") % {"name": channel.name},
            obj=channel,
        )
    return channel


@transaction.atomic
def allow_author(*, institution: Institution, person: Person, by) -> ChannelAuthor:
    """Let a staff member submit material too (regulation: any staff member the admin allows)."""
    _check_manage(by, institution)
    if person.institution_id != institution.pk or person.kind != PersonKind.STAFF:
        raise ValidationError({"person": _("Only the institution's staff may write posts.")})
    if person.has_left:
        raise ValidationError({"person": _("This person has left the institution.")})
    author, created = ChannelAuthor.objects.get_or_create(
        institution=institution, person=person, defaults={"allowed_by": by}
    )
    if created:
        roles_services.audit(
            institution=institution,
            actor=by,
            action="channel.author_allow",
            summary=_("Allowed to write posts: %(person)s") % {"person": person},
            obj=person,
        )
    return author


@transaction.atomic
def remove_author(*, author: ChannelAuthor, by) -> None:
    _check_manage(by, author.institution)
    roles_services.audit(
        institution=author.institution,
        actor=by,
        action="channel.author_remove",
        summary=_("No longer writes posts: %(person)s") % {"person": author.person},
        obj=author.person,
    )
    author.delete()


# --- posts ------------------------------------------------------------------------------------


def _history(post: Post, by, action: str, state_from: str, comment: str = "") -> None:
    PostHistory.objects.create(
        post=post,
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        state_from=state_from,
        state_to=post.state,
        comment=comment[:1000],
        at=timezone.now(),
    )


def _check_channel(channel: Channel, institution: Institution) -> None:
    if channel.institution_id != institution.pk:
        raise ValidationError({"channel": _("The channel belongs to another institution.")})
    if channel.archived_at is not None:
        raise ValidationError({"channel": _("The channel is archived.")})


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the post a title.")
    if not body:
        errors["body"] = _("The post has no text.")
    if errors:
        raise ValidationError(errors)
    return title, body


@transaction.atomic
def create_post(*, channel: Channel, title: str, body: str, by) -> Post:
    institution = channel.institution
    if not permissions.can_write_posts(by, institution):
        raise PermissionDenied(_("You may not write posts for the institution's channels."))
    _check_channel(channel, institution)
    title, body = _check_text(title, body)
    post = Post.objects.create(
        institution=institution, channel=channel, title=title, body=body, author=by
    )
    _history(post, by, "create", "")
    return post


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update().get(pk=post.pk)


@transaction.atomic
def update_post(*, post: Post, by, title: str, body: str, channel: Channel | None = None) -> Post:
    post = _locked(post)
    if not permissions.can_edit_post(by, post):
        raise PostTransitionError(
            _("The post cannot be changed now (it is «%(state)s»).")
            % {"state": post.get_state_display()}
        )
    if channel is not None and channel.pk != post.channel_id:
        _check_channel(channel, post.institution)
        post.channel = channel
    post.title, post.body = _check_text(title, body)
    post.save()
    _history(post, by, "edit", post.state)
    return post


def _transition(post: Post, by, action: str, *, comment: str = "", **changes) -> Post:
    """One step of the workflow: locks the post, checks who and from which state, records it."""
    post = _locked(post)
    sources, target, _who = permissions.TRANSITIONS[action]
    if post.state not in sources:
        raise PostTransitionError(
            _("This step is not possible: the post is «%(state)s».")
            % {"state": post.get_state_display()}
        )
    if not permissions.can_transition(by, post, action):
        raise PostTransitionError(_("You may not take this step with this post."))
    state_from = post.state
    post.state = target
    for key, value in changes.items():
        setattr(post, key, value)
    post.save()
    _history(post, by, action, state_from, comment)
    return post


def _required_comment(comment: str) -> str:
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Write a comment for the author.")})
    return comment


def _notify_author(post: Post, subject: str, template: str) -> None:
    email = post.author.email
    if not email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"post": post, "base_url": settings.PORTAL_BASE_URL})
        send_mail(subject % {"title": post.title}, body, None, [email])


@transaction.atomic
def submit_post(*, post: Post, by) -> Post:
    return _transition(post, by, "submit", review_comment="")


@transaction.atomic
def withdraw_post(*, post: Post, by) -> Post:
    return _transition(post, by, "withdraw")


@transaction.atomic
def request_changes(*, post: Post, by, comment: str) -> Post:
    comment = _required_comment(comment)
    post = _transition(post, by, "request_changes", comment=comment, review_comment=comment)
    transaction.on_commit(
        lambda: _notify_author(
            post, _("Changes requested: %(title)s"), "channels/email/post_decision.txt"
        )
    )
    return post


@transaction.atomic
def reject_post(*, post: Post, by, comment: str) -> Post:
    comment = _required_comment(comment)
    post = _transition(post, by, "reject", comment=comment, review_comment=comment, publish_at=None)
    transaction.on_commit(
        lambda: _notify_author(
            post, _("Post rejected: %(title)s"), "channels/email/post_decision.txt"
        )
    )
    return post


@transaction.atomic
def approve_post(*, post: Post, by, comment: str = "") -> Post:
    return _transition(post, by, "approve", comment=comment.strip(), review_comment="")


@transaction.atomic
def schedule_post(
    *, post: Post, by, publish_at: dt.datetime, now: dt.datetime | None = None
) -> Post:
    now = now or timezone.now()
    if publish_at <= now:
        raise ValidationError(
            {
                "publish_at": _(
                    "The time of publication has passed: choose a time in the future "
                    "or publish now."
                )
            }
        )
    post = _transition(post, by, "schedule", publish_at=publish_at)
    roles_services.audit(
        institution=post.institution,
        actor=by,
        action="post.schedule",
        summary=_("Post scheduled: %(title)s") % {"title": post.title},
        obj=post,
    )
    return post


@transaction.atomic
def unschedule_post(*, post: Post, by) -> Post:
    return _transition(post, by, "unschedule", publish_at=None)


def _open_publication_todo(post: Post) -> None:
    """The admin must still publish the post in the Sferum channel by hand."""
    post.todo = roles_services.create_todo(
        institution=post.institution,
        kind=TodoKind.OTHER,
        title=roles_services.portal_text(
            gettext_noop(
                "Publish the post «%(title)s» in the channel «%(channel)s» and record its link"
            ),
            title=post.title,
            channel=post.channel.name,
        ),
    )
    post.save(update_fields=["todo"])


@transaction.atomic
def publish_post_now(*, post: Post, by) -> Post:
    """The post appears in the portal's feed at once; the admin gets the to-do for Sferum."""
    post = _transition(post, by, "publish_now", published_at=timezone.now(), publish_at=None)
    _open_publication_todo(post)
    roles_services.audit(
        institution=post.institution,
        actor=by,
        action="post.publish",
        summary=_("Post published in the portal: %(title)s") % {"title": post.title},
        obj=post,
    )
    return post


def publish_due_posts(*, now: dt.datetime | None = None) -> int:
    """The scheduled posts whose time has come. A rerun or a second worker publishes none twice."""
    now = now or timezone.now()
    published = 0
    due = list(
        Post.objects.filter(state=PostState.SCHEDULED, publish_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        with transaction.atomic():
            post = (
                Post.objects.select_for_update(**_skip_locked())
                .filter(pk=pk, state=PostState.SCHEDULED, publish_at__lte=now)
                .first()
            )
            if post is None:
                continue  # published meanwhile by another run, or unscheduled
            # The system takes the editor's scheduled step: no user, no permission check.
            post.state = PostState.PUBLISHED
            post.published_at = post.publish_at
            post.save()
            _history(post, None, "publish", PostState.SCHEDULED)
            _open_publication_todo(post)
            published += 1
    return published


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


@transaction.atomic
def record_post_link(*, post: Post, by, link: str) -> Post:
    """The admin published the post in Sferum by hand: keep the message's link, close the to-do."""
    post = _locked(post)
    if not permissions.is_editor(by, post.institution):
        raise PermissionDenied(_("Only the institution's administrator records publications."))
    if post.state != PostState.PUBLISHED:
        raise ValidationError({"link": _("The post has not been published in the portal yet.")})
    link = link.strip()
    if not link:
        raise ValidationError({"link": _("Paste the link to the message in the Sferum channel.")})
    _https(link, "link")
    post.sferum_link = link
    post.save(update_fields=["sferum_link", "updated_at"])
    _history(post, by, "link", post.state)
    if post.todo is not None:
        roles_services.complete_todo(todo=post.todo, by=by)
    return post


# --- events -----------------------------------------------------------------------------------


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


def _event_roles(kind: str, roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(role)s") % {"role": unknown[0]}})
    if not roles and kind == EventKind.SEMINAR:
        return [Role.TEACHER]
    if not roles and kind == EventKind.MEETING:
        return [Role.DIRECTOR, Role.DEPUTY, Role.ADMIN]
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
) -> None:
    errors: dict[str, str] = {}
    if kind not in EventKind.values:
        errors["kind"] = _("Choose the kind of event.")
    if not title.strip():
        errors["title"] = _("Give the event a title.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("event times must be aware")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The event ends before it starts: check the times.")
    elif ends_at - starts_at > dt.timedelta(minutes=MAX_EVENT_MINUTES):
        errors["ends_at"] = _("An event lasts at most 24 hours.")
    if starts_at <= now:
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
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)


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
        raise PermissionDenied(
            _("A teacher plans lessons for their own classes only.")
            if kind == EventKind.LESSON
            else _("Only the institution's administrator plans this kind of event.")
        )
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
        now=now or timezone.now(),
    )
    event = Event(
        institution=institution,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        duration_minutes=int((ends_at - starts_at).total_seconds() // 60),
        format=format,
        place=place.strip() if format == EventFormat.HYBRID else "",
        host=host,
        audience_roles=_event_roles(kind, roles),
        meeting_link=meeting_link,
        created_by=by,
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


def _locked_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _check_event_manager(by, event: Event) -> None:
    if not permissions.can_manage_event(by, event):
        raise PermissionDenied(_("Only the host, whoever planned it, or the admin may do this."))


def _check_planned(event: Event) -> None:
    if event.status != EventStatus.PLANNED:
        raise ValidationError(
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
        raise PermissionDenied(_("A teacher plans lessons for their own classes only."))
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
    event.title = title.strip()
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
        raise ValidationError({"reason": _("Say why the event is cancelled.")})
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
        raise ValidationError(_("The event has not started yet: mark it after it is held."))
    if attendance_count is None or attendance_count < 0:
        raise ValidationError({"attendance_count": _("Enter how many took part.")})
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
    return event


@transaction.atomic
def mark_attended(
    *, event: Event, by, attended: bool = True, now: dt.datetime | None = None
) -> bool:
    """A teacher marks (or unmarks) that they attended a seminar, once it has started."""
    if event.kind != EventKind.SEMINAR:
        raise ValidationError(_("Attendance is marked for seminars only."))
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("The seminar was cancelled."))
    if event.starts_at > (now or timezone.now()):
        raise ValidationError(_("The seminar has not started yet."))
    person = role_permissions.person_of(by, event.institution)
    if person is None or not (
        permissions.STAFF_ROLES & role_permissions.roles_of(by, event.institution)
    ):
        raise PermissionDenied(_("Only the institution's staff mark their attendance."))
    if attended:
        SeminarAttendance.objects.get_or_create(event=event, person=person)
    else:
        SeminarAttendance.objects.filter(event=event, person=person).delete()
    return attended


def _send_reminder(event: Event, which: str) -> int:
    """One message per recipient (nobody sees the others' addresses), over one connection."""
    recipients = selectors.reminder_recipients(event)
    with translation.override(settings.LANGUAGE_CODE), timezone.override(event.institution.tzinfo):
        subject = {
            "day": _("Tomorrow: %(title)s"),
            "hour": _("In an hour: %(title)s"),
        }.get(which, _("Reminder: %(title)s")) % {"title": event.title}
        body = render_to_string(
            "channels/email/event_reminder.txt",
            {"event": event, "which": which, "base_url": settings.PORTAL_BASE_URL},
        )
    return send_mass_mail([(subject, body, None, [email]) for email in recipients])


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
            sent += _send_reminder(event, which)
    return sent


def remind_now(*, event: Event, by, now: dt.datetime | None = None) -> int:
    """An extra reminder on request (a changed link, say); never for a closed or past event."""
    _check_event_manager(by, event)
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("The event is cancelled: nobody is reminded of it."))
    if event.status == EventStatus.HELD or event.starts_at <= (now or timezone.now()):
        raise ValidationError(_("The event has already started: a reminder is too late."))
    sent = _send_reminder(event, "now")
    roles_services.audit(
        institution=event.institution,
        actor=by,
        action="event.remind",
        summary=_("Reminder sent: %(title)s (%(count)s)") % {"title": event.title, "count": sent},
        obj=event,
    )
    return sent


# --- feed addresses ---------------------------------------------------------------------------


@transaction.atomic
def issue_feed_token(*, user) -> str:
    """A new secret for the user's feed addresses; the old addresses stop working."""
    revoke_feed_tokens(user=user)
    token = new_token()
    FeedToken.objects.create(user=user, token_hash=hash_token(token))
    return token


def revoke_feed_tokens(*, user) -> int:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- support ----------------------------------------------------------------------------------


def _check_support(request: SupportRequest) -> None:
    errors = {}
    if request.status != SupportStatus.DRAFT and request.sent_on is None:
        errors["sent_on"] = _("Enter the date the request was sent.")
    if request.status == SupportStatus.RESOLVED and not request.resolution.strip():
        errors["resolution"] = _("Describe how the problem was solved.")
    if request.sent_on and request.sent_on > request.institution.local_today():
        errors["sent_on"] = _("The date of sending is in the future.")
    if errors:
        raise ValidationError(errors)


SUPPORT_FIELDS = ("subject", "description", "sent_on", "ticket_number", "status", "resolution")


@transaction.atomic
def create_support_request(
    *, institution: Institution, subject: str, description: str, by, **fields
) -> SupportRequest:
    if not role_permissions.can(by, "support.manage", institution):
        raise PermissionDenied
    request = SupportRequest(
        institution=institution,
        subject=subject.strip(),
        description=description.strip(),
        created_by=by,
        **{k: v for k, v in fields.items() if k in SUPPORT_FIELDS},
    )
    _check_support(request)
    if request.status in (SupportStatus.RESOLVED, SupportStatus.CLOSED):
        request.resolved_on = institution.local_today()
    request.full_clean()
    request.save()
    roles_services.audit(
        institution=institution,
        actor=by,
        action="support.create",
        summary=_("Support request recorded: %(subject)s") % {"subject": request.subject},
        obj=request,
    )
    return request


@transaction.atomic
def update_support_request(*, request: SupportRequest, by, **fields) -> SupportRequest:
    if not role_permissions.can(by, "support.manage", request.institution):
        raise PermissionDenied
    request = SupportRequest.objects.select_for_update().get(pk=request.pk)
    was_open = request.status not in (SupportStatus.RESOLVED, SupportStatus.CLOSED)
    for key in SUPPORT_FIELDS:
        if key in fields:
            setattr(request, key, fields[key])
    _check_support(request)
    closed = request.status in (SupportStatus.RESOLVED, SupportStatus.CLOSED)
    if closed and was_open:
        request.resolved_on = request.institution.local_today()
    elif not closed:
        request.resolved_on = None
    request.full_clean()
    request.save()
    roles_services.audit(
        institution=request.institution,
        actor=by,
        action="support.update",
        summary=_("Support request changed: %(subject)s (%(status)s)")
        % {"subject": request.subject, "status": request.get_status_display()},
        obj=request,
    )
    return request
