"""The pages of events: the list, the month calendar, planning and changing an event, its
page, and its one-button actions (cancel, mark held, remind now, mark attended)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions as role_permissions
from roles.web import InstitutionView, paginate, show_as_message, show_on_form

from .. import permissions, selectors, services
from ..forms import (
    CancelEventForm,
    EventFilterForm,
    EventForm,
    HeldEventForm,
    HeldEventRecordForm,
    lesson_units,
)
from ..models import Event, EventKind, EventStatus


def listed_events(user, institution, form: EventFilterForm) -> tuple[list[Event], str]:
    """The events of the list with its filters (its page and its exports), and the period."""
    data = form.cleaned_data if form.is_valid() else {}
    period = data.get("period") or "upcoming"
    now = timezone.now()
    # Upcoming includes what is on now (started up to a day ago and still planned).
    start = now - dt.timedelta(days=1) if period == "upcoming" else None
    end = now if period == "past" else None
    events = selectors.events_for(
        user,
        institution,
        start=start,
        end=end,
        kind=data.get("kind", ""),
        status=data.get("status", ""),
    )
    if period == "upcoming":
        events = [e for e in events if e.ends_at >= now]
    if period == "past":
        events.reverse()
    return events, period


# The fields of the event form that the planning and the recording services take as they are.
EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "format",
    "place",
    "host",
    "units",
    "roles",
    "meeting_link",
)


class EventListView(InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id):
        form = EventFilterForm(request.GET or None)
        events, period = listed_events(request.user, self.institution, form)
        return self.render(
            "channels/events.html",
            form=form,
            page=paginate(request, events),
            period=period,
            can_plan=role_permissions.can(request.user, "event.lesson", self.institution),
        )


class CalendarView(InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id):
        tz = self.institution.tzinfo
        today = timezone.now().astimezone(tz).date()
        year, month = today.year, today.month
        raw = request.GET.get("month", "")
        try:
            parsed = dt.datetime.strptime(raw, "%Y-%m")
            if 2000 <= parsed.year <= 2100:
                year, month = parsed.year, parsed.month
        except ValueError:
            pass
        first, nxt = selectors.month_bounds(year, month, tz)
        # The grid shows a few days of the neighbouring months too.
        events = selectors.events_for(
            request.user,
            self.institution,
            start=first - dt.timedelta(days=7),
            end=nxt + dt.timedelta(days=7),
        )
        prev_month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
        return self.render(
            "channels/calendar.html",
            weeks=selectors.month_grid(events, year, month, tz),
            month_start=first.date(),
            prev_month=prev_month,
            next_month=nxt.strftime("%Y-%m"),
            this_month=today.strftime("%Y-%m"),
        )


class EventObjectMixin:
    def get_event(self, pk) -> Event:
        event = get_object_or_404(
            Event.objects.select_related("host", "institution").prefetch_related("audience_units"),
            pk=pk,
            institution=self.institution,
        )
        if not permissions.event_visible(self.request.user, event):
            raise Http404
        return event

    def get_managed(self, pk) -> Event:
        event = self.get_event(pk)
        if not permissions.can_manage_event(self.request.user, event):
            raise PermissionDenied
        return event


class EventFormMixin:
    def form_kwargs(self, *, editing=False):
        user, institution = self.request.user, self.institution
        manages = role_permissions.can(user, "event.manage", institution)
        kinds = EventKind.values if manages else [EventKind.LESSON]
        units = lesson_units(user, institution, any_class=manages)
        return {"institution": institution, "kinds": kinds, "units": units, "editing": editing}

    def event_page(self, form, title, cancel_url):
        return self.form_page(form, title=title, cancel_url=cancel_url)


class EventCreateView(EventFormMixin, EventObjectMixin, InstitutionView):
    action = "event.lesson"

    def cancel_url(self):
        return reverse("channels:events", args=[self.institution.pk])

    def get(self, request, institution_id):
        form = EventForm(**self.form_kwargs(), initial={"kind": request.GET.get("kind", "")})
        return self.event_page(form, _("Plan an event"), self.cancel_url())

    def post(self, request, institution_id):
        form = EventForm(request.POST, **self.form_kwargs())
        if not form.is_valid():
            return self.event_page(form, _("Plan an event"), self.cancel_url())
        data = form.cleaned_data
        try:
            event = services.create_event(
                institution=self.institution,
                **{name: data[name] for name in EVENT_FIELDS},
                by=request.user,
            )
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.event_page(form, _("Plan an event"), self.cancel_url())
        messages.success(request, _("The event is planned."))
        return redirect("channels:event", self.institution.pk, event.pk)


class EventRecordView(EventFormMixin, InstitutionView):
    """A meeting, lesson or broadcast held without being planned here, entered after the fact
    (held, with its attendance and recording) so that the monitoring counts it."""

    action = "event.lesson"

    def cancel_url(self):
        return reverse("channels:events", args=[self.institution.pk]) + "?period=past"

    def page(self, form):
        return self.form_page(
            form,
            title=_("Record a held event"),
            intro=_(
                "For a meeting, lesson or broadcast that was held without being planned in the "
                "portal: it is recorded as held, with how many took part, and counted in the "
                "statistics of its day. A future event is planned instead."
            ),
            cancel_url=self.cancel_url(),
            submit=_("Record"),
        )

    def get(self, request, institution_id):
        return self.page(
            HeldEventRecordForm(**self.form_kwargs(), initial={"kind": request.GET.get("kind", "")})
        )

    def post(self, request, institution_id):
        form = HeldEventRecordForm(request.POST, **self.form_kwargs())
        if not form.is_valid():
            return self.page(form)
        data = form.cleaned_data
        try:
            event = services.record_held_event(
                institution=self.institution,
                **{name: data[name] for name in EVENT_FIELDS},
                attendance_count=data["attendance_count"],
                recording_link=data["recording_link"],
                by=request.user,
            )
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.page(form)
        messages.success(request, _("The held event is recorded."))
        return redirect("channels:event", self.institution.pk, event.pk)


class EventEditView(EventFormMixin, EventObjectMixin, InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id, pk):
        event = self.get_managed(pk)
        initial = {
            "title": event.title,
            "description": event.description,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "format": event.format,
            "place": event.place,
            "host": event.host,
            "units": list(event.audience_units.all()),
            "roles": event.audience_roles,
            "meeting_link": event.meeting_link,
        }
        form = EventForm(**self.form_kwargs(editing=True), initial=initial)
        return self.event_page(form, _("Change the event"), self.detail_url(event))

    def detail_url(self, event):
        return reverse("channels:event", args=[self.institution.pk, event.pk])

    def post(self, request, institution_id, pk):
        event = self.get_managed(pk)
        form = EventForm(request.POST, **self.form_kwargs(editing=True))
        if not form.is_valid():
            return self.event_page(form, _("Change the event"), self.detail_url(event))
        data = dict(form.cleaned_data)
        try:
            services.update_event(event=event, by=request.user, **data)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.event_page(form, _("Change the event"), self.detail_url(event))
        messages.success(request, _("The event is changed."))
        return redirect(self.detail_url(event))


class EventDetailView(EventObjectMixin, InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id, pk):
        event = self.get_event(pk)
        person = role_permissions.person_of(request.user, self.institution)
        attended = (
            person is not None and event.attendances.filter(person=person).exists()
            if event.kind == EventKind.SEMINAR
            else False
        )
        manages = permissions.can_manage_event(request.user, event)
        now = timezone.now()
        return self.render(
            "channels/event_detail.html",
            event=event,
            manages=manages,
            started=event.starts_at <= now,
            attended=attended,
            attendance=event.attendances.select_related("person").order_by("person__last_name")
            if manages and event.kind == EventKind.SEMINAR
            else None,
            can_attend=event.kind == EventKind.SEMINAR
            and event.status != EventStatus.CANCELLED
            and event.starts_at <= now
            and person is not None,
            cancel_form=CancelEventForm(),
            held_form=HeldEventForm(),
        )


class EventActionView(EventObjectMixin, InstitutionView):
    """Cancel, mark held, remind now, mark attended: POST only."""

    action = "channel.view"
    http_method_names = ["post"]

    def post(self, request, institution_id, pk, step):
        event = self.get_event(pk)
        try:
            if step == "cancel":
                form = CancelEventForm(request.POST)
                services.cancel_event(
                    event=event, by=request.user, reason=form.data.get("reason", "")
                )
                done = _("The event is cancelled.")
            elif step == "held":
                form = HeldEventForm(request.POST)
                if not form.is_valid():
                    raise ValidationError([e for errors in form.errors.values() for e in errors])
                services.mark_event_held(
                    event=event,
                    by=request.user,
                    attendance_count=form.cleaned_data["attendance_count"],
                    recording_link=form.cleaned_data["recording_link"],
                )
                done = _("The event is marked as held.")
            elif step == "remind":
                sent = services.remind_now(event=event, by=request.user)
                done = _("Reminders sent: %(count)s.") % {"count": sent}
            elif step == "attend":
                attended = request.POST.get("attended") != "0"
                services.mark_attended(event=event, by=request.user, attended=attended)
                done = _("Your attendance is marked.") if attended else _("The mark is removed.")
            else:
                raise Http404
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, done)
        return redirect("channels:event", self.institution.pk, event.pk)
