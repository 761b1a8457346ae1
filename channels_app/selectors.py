"""Reads: the feed, the editorial queue, events for a user, reminders' recipients, support texts."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions as role_permissions
from roles import selectors as role_selectors
from roles.models import Institution, Membership, Role
from sferum_portal.tokens import digests_match, hash_token

from . import permissions
from .models import (
    AUDIENCE_ROLES,
    Channel,
    ChannelAuthor,
    Event,
    EventStatus,
    FeedToken,
    Post,
    PostHistory,
    PostState,
    SupportRequest,
)

SFERUM_SUPPORT_EMAIL = "info@sferum.ru"
SFERUM_GUIDANCE_URL = "https://prof-sferum.ru"


# --- channels and posts -----------------------------------------------------------------------


def channels_of(institution: Institution, *, include_archived: bool = False) -> QuerySet[Channel]:
    qs = Channel.objects.filter(institution=institution)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs.order_by("name")


def authors_of(institution: Institution) -> QuerySet[ChannelAuthor]:
    return (
        ChannelAuthor.objects.filter(institution=institution)
        .select_related("person", "allowed_by")
        .order_by("person__last_name", "person__first_name")
    )


def visible_audiences(user, institution: Institution) -> list[str] | None:
    """The channel audiences the user belongs to; None means every channel."""
    roles = role_permissions.roles_of(user, institution)
    if getattr(user, "is_superuser", False) or role_permissions.MANAGEMENT & roles:
        return None
    return [audience for audience, reached in AUDIENCE_ROLES.items() if reached & roles]


def feed_posts(user, institution: Institution, *, channel: Channel | None = None) -> QuerySet[Post]:
    """Published posts of the channels meant for the user, newest first."""
    qs = Post.objects.filter(institution=institution, state=PostState.PUBLISHED).select_related(
        "channel", "author"
    )
    audiences = visible_audiences(user, institution)
    if audiences is not None:
        qs = qs.filter(channel__audience__in=audiences)
    if channel is not None:
        qs = qs.filter(channel=channel)
    return qs.order_by("-published_at", "-id")


def editorial_queue(user, institution: Institution, *, state: str = "") -> QuerySet[Post]:
    """The editor sees every post; an author their own. Posts waiting for review come first."""
    qs = Post.objects.filter(institution=institution).select_related("channel", "author")
    if not permissions.is_editor(user, institution):
        qs = qs.filter(author=user)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-updated_at", "-id")


def queue_counts(institution: Institution) -> dict[str, int]:
    rows = Post.objects.filter(institution=institution).values_list("state", flat=True)
    counts = {state: 0 for state in PostState.values}
    for state in rows:
        counts[state] += 1
    return counts


def posts_waiting_queue(institution: Institution) -> QuerySet[Post]:
    """The posts submitted for review (the dashboard counts them with its other counts)."""
    return Post.objects.filter(institution=institution, state=PostState.SUBMITTED)


def posts_waiting(institution: Institution) -> int:
    return posts_waiting_queue(institution).count()


def post_history(post: Post) -> QuerySet[PostHistory]:
    return post.history.select_related("actor").order_by("at", "id")


def unpublished_in_sferum(institution: Institution) -> QuerySet[Post]:
    """Published in the portal, not yet recorded as published in the Sferum channel."""
    return Post.objects.filter(
        institution=institution, state=PostState.PUBLISHED, sferum_link=""
    ).select_related("channel")


# --- events -----------------------------------------------------------------------------------


def _events(institution: Institution) -> QuerySet[Event]:
    return (
        Event.objects.filter(institution=institution)
        .select_related("host", "institution")
        .prefetch_related(Prefetch("audience_units"))
    )


def events_for(
    user,
    institution: Institution,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    kind: str = "",
    status: str = "",
    institution_wide: bool = False,
) -> list[Event]:
    """The events meant for the user (the administration sees them all), by start time.

    `institution_wide`: only the events for the whole institution (no units chosen).
    """
    qs = _events(institution)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    events = list(qs.order_by("starts_at", "id"))
    if institution_wide:
        events = [e for e in events if not e.audience_units.all()]
    if permissions.sees_all_events(user, institution):
        return events
    memberships = role_permissions.memberships_of(user, institution)
    uid = getattr(user, "pk", None)
    return [
        e
        for e in events
        if e.created_by_id == uid
        or (e.host is not None and e.host.user_id == uid)
        or permissions.audience_matches(
            [u.pk for u in e.audience_units.all()], e.audience_roles, memberships
        )
    ]


def upcoming_events(user, institution: Institution, *, limit: int = 5, days: int = 14) -> list:
    now = timezone.now()
    events = events_for(
        user,
        institution,
        start=now - dt.timedelta(hours=3),
        end=now + dt.timedelta(days=days),
        status=EventStatus.PLANNED,
    )
    return [e for e in events if e.ends_at >= now][:limit]


def reminder_recipients(event: Event) -> list[str]:
    """E-mail addresses of the staff in the event's audience, and of its host."""
    institution = event.institution
    unit_ids = {u.pk for u in event.audience_units.all()}
    roles = set(event.audience_roles) or set(role_permissions.EVERYONE)
    if unit_ids:
        roles.add(Role.TEACHER)  # the teachers of the chosen units (see audience_matches)
    roles &= role_permissions.STAFF
    emails: dict[str, None] = {}
    if roles:
        memberships = Membership.objects.active(institution.local_today()).filter(
            unit__institution=institution, role__in=roles
        )
        if unit_ids:
            memberships = memberships.filter(unit_id__in=unit_ids)
        for person_email, user_email in memberships.values_list(
            "person__email", "person__user__email"
        ).distinct():
            address = person_email or user_email
            if address:
                emails[address.lower()] = None
    if event.host is not None:
        address = event.host.email or (event.host.user.email if event.host.user else "")
        if address:
            emails[address.lower()] = None
    return sorted(emails)


@dataclass
class Day:
    date: dt.date
    in_month: bool
    today: bool
    events: list[Event] = field(default_factory=list)


def month_bounds(year: int, month: int, tz) -> tuple[dt.datetime, dt.datetime]:
    first = dt.datetime(year, month, 1, tzinfo=tz)
    nxt = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return first, nxt


def month_grid(events: list[Event], year: int, month: int, tz) -> list[list[Day]]:
    """Weeks (Monday first) of the month in the institution's zone, with the events of each day."""
    today = timezone.now().astimezone(tz).date()
    by_date: dict[dt.date, list[Event]] = {}
    for event in events:
        by_date.setdefault(event.starts_at.astimezone(tz).date(), []).append(event)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [Day(d, d.month == month, d == today, by_date.get(d, [])) for d in week] for week in weeks
    ]


# --- feeds ------------------------------------------------------------------------------------


def feed_token_of(user) -> FeedToken | None:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def user_for_feed_token(token: str):
    """The owner of an active feed secret, or None. Looked up by its hash only."""
    if not token or len(token) > 100:
        return None
    found = (
        FeedToken.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if found is None or not digests_match(found.token_hash, token) or not found.user.is_active:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > dt.timedelta(hours=1):
        FeedToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


# --- support and the registration application -------------------------------------------------


def support_requests_of(institution: Institution, *, status: str = "") -> QuerySet[SupportRequest]:
    qs = SupportRequest.objects.filter(institution=institution).select_related("created_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def main_admin(institution: Institution):
    appointments = list(role_selectors.active_admins(institution).select_related("person__user"))
    main = [a for a in appointments if not a.is_additional]
    return (main or appointments or [None])[0]


def _mailto(subject: str, body: str) -> str:
    return f"mailto:{SFERUM_SUPPORT_EMAIL}?subject={quote(subject)}&body={quote(body)}"


def support_mail(request: SupportRequest) -> dict[str, str]:
    """The text of an e-mail to Sferum's support about this request, and its mailto: link."""
    institution = request.institution
    appointment = main_admin(institution)
    admin = appointment.person if appointment else None
    lines = [
        request.description,
        "",
        "—",
        _("Institution: %(name)s") % {"name": institution.name},
    ]
    if institution.inn:
        lines.append(_("INN: %(inn)s") % {"inn": institution.inn})
    if admin is not None:
        lines.append(_("Administrator: %(name)s") % {"name": admin.full_name})
        address = admin.email or (admin.user.email if admin.user else "")
        if address:
            lines.append(_("Reply to: %(email)s") % {"email": address})
    if request.ticket_number:
        lines.append(_("Ticket: %(number)s") % {"number": request.ticket_number})
    subject = request.subject
    if request.ticket_number:
        subject = f"[{request.ticket_number}] {subject}"
    body = "\n".join(lines)
    return {
        "to": SFERUM_SUPPORT_EMAIL,
        "subject": subject,
        "body": body,
        "mailto": _mailto(subject, body),
    }


def registration_application(institution: Institution, *, phone: str = "") -> dict:
    """Regulation 2.1: the application for registration with the admin's order and contacts.

    The phone is the one typed (sent by POST) or the one the appointment keeps. It is in the
    text shown and in the .eml letter, never in the mailto: link (a web mail client turns that
    link into an address of its own): there the letter says where to type it.
    """
    appointment = main_admin(institution)
    admin = appointment.person if appointment else None
    phone = phone or (appointment.contact_phone if appointment else "")
    email = ""
    if admin is not None:
        email = admin.email or (admin.user.email if admin.user else "")
    order_file = appointment.order_file if appointment and appointment.order_file else None
    missing = []
    if appointment is None:
        missing.append(_("an administrator appointed by order (Structure → Administrators)"))
    if not institution.inn:
        missing.append(_("the institution's INN (Structure → the institution's card)"))
    if admin is not None and not email:
        missing.append(_("the administrator's e-mail (their card in the roster)"))
    if appointment is not None and order_file is None:
        missing.append(
            _(
                "the file of the order on the administrator's appointment "
                "(Structure → Administrators)"
            )
        )
    if not phone:
        missing.append(_("the administrator's personal mobile phone (enter it below)"))

    def lines_with(phone_text: str) -> list[str]:
        lines = [
            _("Application for the registration of an educational institution on Sferum"),
            "",
            _("Institution: %(name)s") % {"name": institution.name},
        ]
        if institution.short_name:
            lines.append(_("Short name: %(name)s") % {"name": institution.short_name})
        if institution.inn:
            lines.append(_("INN: %(inn)s") % {"inn": institution.inn})
        if institution.address:
            lines.append(_("Address: %(address)s") % {"address": institution.address})
        if appointment is not None:
            order = {
                "number": appointment.order_number,
                "date": appointment.order_date.strftime("%d.%m.%Y"),
            }
            lines += [
                _("Order on the appointment of the administrator: № %(number)s of %(date)s")
                % order,
                _("Administrator: %(name)s") % {"name": admin.full_name},
                _("Administrator's e-mail: %(email)s") % {"email": email or "—"},
                _("Administrator's personal mobile phone: %(phone)s") % {"phone": phone_text},
                "",
                _(
                    "Attached: the order № %(number)s of %(date)s on the appointment of the "
                    "administrator."
                )
                % order,
            ]
        return lines

    text = "\n".join(lines_with(phone or "—"))
    subject = _("Registration of %(name)s on Sferum") % {"name": institution}
    link_text = "\n".join(lines_with(_("[type the number here]")))
    return {
        "to": SFERUM_SUPPORT_EMAIL,
        "subject": subject,
        "text": text,
        "phone": phone,
        "missing": missing,
        "appointment": appointment,
        "order_file": order_file,
        "order_file_name": order_file.name.rsplit("/", 1)[-1] if order_file else "",
        "mailto": _mailto(subject, link_text),
    }


def registration_eml(institution: Institution, *, phone: str = "") -> tuple[bytes, str]:
    """The application as a ready, unsent letter (.eml) with the order's file attached, and the
    name to download it under. A mail program opens it as a draft to send."""
    from django.core.mail import EmailMessage

    from roles import documents

    application = registration_application(institution, phone=phone)
    appointment = application["appointment"]
    sender = ""
    if appointment is not None:
        admin = appointment.person
        sender = admin.email or (admin.user.email if admin.user else "")
    message = EmailMessage(
        subject=application["subject"],
        body=application["text"],
        from_email=sender or None,
        to=[SFERUM_SUPPORT_EMAIL],
        headers={"X-Unsent": "1"},
    )
    order_file = application["order_file"]
    if order_file is not None:
        with order_file.open("rb") as handle:
            kind = documents.sniff(handle)
            data = handle.read()
        message.attach(
            application["order_file_name"],
            data,
            kind.content_type if kind else "application/octet-stream",
        )
    return message.message().as_bytes(), "sferum-registration.eml"


def help_sections(user, institution: Institution) -> dict:
    roles = role_permissions.roles_of(user, institution)
    return {
        "is_staff": bool(roles & role_permissions.STAFF) or getattr(user, "is_superuser", False),
        "is_admin": Role.ADMIN in roles or getattr(user, "is_superuser", False),
        "is_management": bool(roles & role_permissions.ADMINISTRATION),
        "is_director": Role.DIRECTOR in roles,
        "is_deputy": Role.DEPUTY in roles,
        "is_teacher": Role.TEACHER in roles,
        "is_family": bool(roles & role_permissions.FAMILY),
        "is_student": Role.STUDENT in roles,
        "is_parent": Role.PARENT in roles,
        "admins": role_selectors.active_admins(institution).select_related("person__user"),
        "support_email": SFERUM_SUPPORT_EMAIL,
        "guidance_url": SFERUM_GUIDANCE_URL,
        "upcoming_seminars": [
            e
            for e in events_for(user, institution, start=timezone.now(), kind="seminar")
            if e.status == EventStatus.PLANNED
        ][:5],
    }
