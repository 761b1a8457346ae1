"""Feeds read without a session: iCalendar (events) and Atom (published posts).

Their addresses carry the user's revocable feed secret, since calendar apps and feed readers
cannot log in.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as ICalEvent

from roles import permissions as role_permissions
from sferum_portal import links

from . import selectors
from .models import Event, EventFormat, EventStatus, Post

# How far back a calendar app is shown events (ahead: everything planned).
CALENDAR_PAST_DAYS = 90
ATOM_ITEMS = 50


def _absolute(path: str) -> str:
    return links.absolute_url(path)


def _uid_host() -> str:
    return urlsplit(links.base_url()).hostname or "sferum-portal"


def _vevent(event: Event) -> ICalEvent:
    item = ICalEvent()
    item.add("uid", f"event-{event.pk}@{_uid_host()}")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", f"{event.title} ({event.get_kind_display()})")
    lines = [event.description] if event.description else []
    if event.host:
        lines.append(_("Host: %(name)s") % {"name": event.host.full_name})
    if event.meeting_link:
        lines.append(_("Link: %(url)s") % {"url": event.meeting_link})
    if event.status == EventStatus.CANCELLED and event.cancel_reason:
        lines.append(_("Cancelled: %(reason)s") % {"reason": event.cancel_reason})
    if lines:
        item.add("description", "\n".join(lines))
    if event.format == EventFormat.HYBRID and event.place:
        item.add("location", event.place)
    elif event.meeting_link:
        item.add("location", event.meeting_link)
    if event.meeting_link:
        item.add("url", event.meeting_link)
    item.add(
        "status",
        {
            EventStatus.CANCELLED: "CANCELLED",
            EventStatus.PLANNED: "CONFIRMED",
            EventStatus.HELD: "CONFIRMED",
        }[event.status],
    )
    item.add("last-modified", event.updated_at)
    item.add("sequence", int(event.updated_at.timestamp()) % 2**31)
    return item


def _calendar(name: str, events: list[Event], tzname: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Sferum institution portal//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tzname)
    for event in events:
        cal.add_component(_vevent(event))
    return cal


def _since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=CALENDAR_PAST_DAYS)


def personal_calendar(user) -> Calendar:
    """Every event meant for the user, in all their institutions."""
    events: list[Event] = []
    institutions = list(role_permissions.institutions_for(user))
    for institution in institutions:
        events += selectors.events_for(user, institution, start=_since())
    events.sort(key=lambda e: (e.starts_at, e.pk))
    tzname = institutions[0].timezone if institutions else settings.TIME_ZONE
    return _calendar(_("My events in Sferum"), events, tzname)


def institution_calendar(user, institution) -> Calendar:
    """The institution's events for everyone (no units chosen) that the user may see."""
    events = selectors.events_for(user, institution, start=_since(), institution_wide=True)
    return _calendar(str(institution), events, institution.timezone)


def ics_response(cal: Calendar, filename: str) -> HttpResponse:
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def urls_for(token: str, institution, request) -> dict[str, str]:
    return {
        "personal": _absolute(reverse("channels:ics_personal", args=[token])),
        "institution": _absolute(reverse("channels:ics_institution", args=[token, institution.pk])),
        "atom": _absolute(reverse("channels:atom", args=[token])),
    }


# The date in the feeds' tag: URIs (RFC 4151): the portal names its feeds and posts under its
# host from this day on.
TAG_DATE = dt.date(2025, 1, 1)


def tag_uri(specific: str) -> str:
    """tag:portal.example.org,2025-01-01:posts/42 — an IRI that never changes for the thing
    it names, whatever its address (Atom ids)."""
    return f"tag:{_uid_host()},{TAG_DATE.isoformat()}:{specific}"


class PlainTextAtomFeed(Atom1Feed):
    """Atom 1.0 whose entries carry the post's plain text as `<content type="text">` (Django
    writes a description as `<summary type="html">`, and a post's body is no HTML)."""

    def add_item_elements(self, handler, item):
        body = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if body:
            handler.addQuickElement("content", body, {"type": "text"})


class PostsFeed(Feed):
    """The published posts of the channels meant for the feed's owner (Atom): the feed's id is
    the owner's, an entry's the post's (tag: URIs), the bodies plain text."""

    feed_type = PlainTextAtomFeed

    def get_object(self, request, token):
        user = selectors.user_for_feed_token(token)
        if user is None:
            raise Http404
        return user

    def title(self, user):
        return _("Sferum channels: posts")

    def link(self, user):
        return "/"

    def subtitle(self, user):
        return _("Posts published in your institution's channels")

    def items(self, user):
        posts: list[Post] = []
        for institution in role_permissions.institutions_for(user):
            posts += list(selectors.feed_posts(user, institution)[:ATOM_ITEMS])
        posts.sort(key=lambda p: (p.published_at, p.pk), reverse=True)
        return posts[:ATOM_ITEMS]

    def item_title(self, item: Post):
        return item.title

    def item_description(self, item: Post):
        return item.body

    def item_link(self, item: Post):
        return reverse("channels:post", args=[item.institution_id, item.pk])

    def feed_guid(self, user):
        # One feed per user (the address's secret is not in it: it changes when renewed).
        return tag_uri(f"feeds/posts/user-{user.pk}")

    def item_guid(self, item: Post):
        return tag_uri(f"posts/{item.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, item: Post):
        return item.published_at

    def item_updateddate(self, item: Post):
        return item.updated_at

    def item_author_name(self, item: Post):
        return item.author.get_full_name() or item.author.username

    def item_categories(self, item: Post):
        return [item.channel.name]
