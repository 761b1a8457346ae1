"""Thin views of channels, posts, events, feeds, support and help."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from roles import permissions as role_permissions
from roles.errors import NotAllowed
from roles.web import InstitutionView, error_text, paginate, show_on_form

from . import feeds, permissions, selectors, services
from .forms import (
    ApplicationForm,
    AuthorForm,
    CancelEventForm,
    ChannelForm,
    CommentForm,
    EventFilterForm,
    EventForm,
    FeedFilterForm,
    HeldEventForm,
    PostFilterForm,
    PostForm,
    PostLinkForm,
    ScheduleForm,
    SupportFilterForm,
    SupportRequestForm,
    lesson_units,
)
from .models import (
    ChannelAuthor,
    Event,
    EventKind,
    EventStatus,
    Post,
    PostState,
    SupportRequest,
)

# --- feed and posts ---------------------------------------------------------------------------


class FeedView(InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id):
        channels = selectors.channels_of(self.institution)
        audiences = selectors.visible_audiences(request.user, self.institution)
        if audiences is not None:
            channels = channels.filter(audience__in=audiences)
        form = FeedFilterForm(request.GET or None, channels=channels)
        channel = form.cleaned_data.get("channel") if form.is_valid() else None
        posts = selectors.feed_posts(request.user, self.institution, channel=channel)
        return self.render(
            "channels/feed.html",
            form=form,
            channels=channels,
            page=paginate(request, posts, 10),
            can_write=permissions.can_write_posts(request.user, self.institution),
            is_editor=permissions.is_editor(request.user, self.institution),
        )


class QueueView(InstitutionView):
    """The editorial queue: the editor sees every post, an author their own."""

    action = "post.write"

    def get(self, request, institution_id):
        is_editor = permissions.is_editor(request.user, self.institution)
        if not is_editor and not permissions.can_write_posts(request.user, self.institution):
            raise PermissionDenied
        form = PostFilterForm(request.GET or None)
        state = form.cleaned_data["state"] if form.is_valid() else ""
        if not request.GET and is_editor:
            state = PostState.SUBMITTED
        posts = selectors.editorial_queue(request.user, self.institution, state=state)
        return self.render(
            "channels/queue.html",
            form=form,
            state=state,
            page=paginate(request, posts),
            counts=selectors.queue_counts(self.institution) if is_editor else None,
            states=PostState.choices,
            is_editor=is_editor,
            not_in_sferum=selectors.unpublished_in_sferum(self.institution)[:20]
            if is_editor
            else [],
        )


class PostFormMixin:
    def post_page(self, form, *, title: str, preview=None, post=None):
        return self.render(
            "channels/post_form.html", form=form, title=title, preview=preview, post=post
        )


class PostCreateView(PostFormMixin, InstitutionView):
    action = "post.write"

    def check(self):
        if not permissions.can_write_posts(self.request.user, self.institution):
            raise PermissionDenied

    def get(self, request, institution_id):
        self.check()
        form = PostForm(institution=self.institution, initial=request.GET.dict())
        return self.post_page(form, title=_("New post"))

    def post(self, request, institution_id):
        self.check()
        form = PostForm(request.POST, institution=self.institution)
        if not form.is_valid():
            return self.post_page(form, title=_("New post"))
        data = form.cleaned_data
        if "preview" in request.POST:
            return self.post_page(form, title=_("New post"), preview=data)
        try:
            post = services.create_post(
                channel=data["channel"], title=data["title"], body=data["body"], by=request.user
            )
            if "submit" in request.POST:
                services.submit_post(post=post, by=request.user)
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.post_page(form, title=_("New post"))
        messages.success(
            request,
            _("The post is submitted for review.")
            if "submit" in request.POST
            else _("The draft is saved."),
        )
        return redirect("channels:post", self.institution.pk, post.pk)


class PostObjectMixin:
    def get_post(self, pk) -> Post:
        post = get_object_or_404(
            Post.objects.select_related("channel", "author"), pk=pk, institution=self.institution
        )
        if not permissions.can_view_post(self.request.user, post):
            raise Http404
        return post


class PostDetailView(PostObjectMixin, InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id, pk):
        post = self.get_post(pk)
        allowed = permissions.allowed_transitions(request.user, post)
        editor = permissions.is_editor(request.user, self.institution)
        return self.render(
            "channels/post_detail.html",
            post=post,
            allowed=allowed,
            can_edit=permissions.can_edit_post(request.user, post),
            show_history=editor or post.author_id == request.user.pk,
            history=selectors.post_history(post),
            comment_form=CommentForm(),
            schedule_form=ScheduleForm(),
            link_form=PostLinkForm(initial={"link": post.sferum_link}),
            can_record_link=editor and post.state == PostState.PUBLISHED,
        )


class PostEditView(PostFormMixin, PostObjectMixin, InstitutionView):
    action = "post.write"

    def get_editable(self, pk) -> Post:
        post = self.get_post(pk)
        if not permissions.can_edit_post(self.request.user, post):
            raise PermissionDenied
        return post

    def get(self, request, institution_id, pk):
        post = self.get_editable(pk)
        form = PostForm(
            institution=self.institution,
            initial={"channel": post.channel, "title": post.title, "body": post.body},
        )
        return self.post_page(form, title=_("Edit the post"), post=post)

    def post(self, request, institution_id, pk):
        post = self.get_editable(pk)
        form = PostForm(request.POST, institution=self.institution)
        if not form.is_valid():
            return self.post_page(form, title=_("Edit the post"), post=post)
        data = form.cleaned_data
        if "preview" in request.POST:
            return self.post_page(form, title=_("Edit the post"), preview=data, post=post)
        try:
            post = services.update_post(
                post=post,
                by=request.user,
                title=data["title"],
                body=data["body"],
                channel=data["channel"],
            )
            if "submit" in request.POST:
                services.submit_post(post=post, by=request.user)
        except services.PostTransitionError as exc:
            messages.error(request, exc.message)
            return redirect("channels:post", self.institution.pk, post.pk)
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.post_page(form, title=_("Edit the post"), post=post)
        messages.success(request, _("The post is saved."))
        return redirect("channels:post", self.institution.pk, post.pk)


TRANSITION_MESSAGES = {
    "submit": gettext_lazy("The post is submitted for review."),
    "withdraw": gettext_lazy("The post is back in drafts."),
    "request_changes": gettext_lazy("The author is asked for changes."),
    "approve": gettext_lazy("The post is approved: schedule its publication."),
    "reject": gettext_lazy("The post is rejected."),
    "schedule": gettext_lazy("The publication is scheduled."),
    "unschedule": gettext_lazy("The publication is unscheduled."),
    "publish_now": gettext_lazy(
        "The post is published in the portal. Publish it in the Sferum channel and record the link."
    ),
}


class PostTransitionView(PostObjectMixin, InstitutionView):
    """One step of the editorial workflow (POST only); the service checks who and when."""

    action = "channel.view"
    http_method_names = ["post"]

    def post(self, request, institution_id, pk, step):
        if step not in TRANSITION_MESSAGES:
            raise Http404
        post = self.get_post(pk)
        try:
            if step in ("request_changes", "reject"):
                form = CommentForm(request.POST)
                comment = form.data.get("comment", "")
                call = (
                    services.request_changes if step == "request_changes" else services.reject_post
                )
                call(post=post, by=request.user, comment=comment)
            elif step == "approve":
                services.approve_post(
                    post=post, by=request.user, comment=request.POST.get("comment", "")
                )
            elif step == "schedule":
                form = ScheduleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError([e for errors in form.errors.values() for e in errors])
                services.schedule_post(
                    post=post, by=request.user, publish_at=form.cleaned_data["publish_at"]
                )
            else:
                {
                    "submit": services.submit_post,
                    "withdraw": services.withdraw_post,
                    "unschedule": services.unschedule_post,
                    "publish_now": services.publish_post_now,
                }[step](post=post, by=request.user)
        except services.PostTransitionError as exc:
            messages.error(request, exc.message)
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, TRANSITION_MESSAGES[step])
        return redirect("channels:post", self.institution.pk, post.pk)


class PostLinkView(PostObjectMixin, InstitutionView):
    action = "post.review"
    http_method_names = ["post"]

    def post(self, request, institution_id, pk):
        post = self.get_post(pk)
        form = PostLinkForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.record_post_link(post=post, by=request.user, link=form.cleaned_data["link"])
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The link is recorded; the to-do is done."))
        return redirect("channels:post", self.institution.pk, post.pk)


# --- channels and authors (the admin) ---------------------------------------------------------


class ChannelListView(InstitutionView):
    action = "channel.manage"

    def get(self, request, institution_id):
        return self.render(
            "channels/channels.html",
            channels=selectors.channels_of(self.institution, include_archived=True),
            authors=selectors.authors_of(self.institution),
            author_form=AuthorForm(institution=self.institution),
        )


class ChannelFormView(InstitutionView):
    action = "channel.manage"

    def get_channel(self, pk):
        if pk is None:
            return None
        return get_object_or_404(
            selectors.channels_of(self.institution, include_archived=True), pk=pk
        )

    def page(self, form, channel):
        return self.form_page(
            form,
            title=_("Edit the channel") if channel else _("New channel"),
            cancel_url=reverse("channels:channels", args=[self.institution.pk]),
        )

    def get(self, request, institution_id, pk=None):
        channel = self.get_channel(pk)
        return self.page(ChannelForm(instance=channel), channel)

    def post(self, request, institution_id, pk=None):
        channel = self.get_channel(pk)
        form = ChannelForm(request.POST, instance=channel)
        if not form.is_valid():
            return self.page(form, channel)
        fields = {k: form.cleaned_data[k] for k in ChannelForm.Meta.fields}
        try:
            if channel is None:
                services.create_channel(institution=self.institution, by=request.user, **fields)
            else:
                services.update_channel(channel=channel, by=request.user, **fields)
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.page(form, channel)
        messages.success(request, _("The channel is saved."))
        return redirect("channels:channels", self.institution.pk)


class ChannelArchiveView(ChannelFormView):
    def get(self, request, institution_id, pk):
        channel = self.get_channel(pk)
        return self.render(
            "confirm.html",
            title=_("Archive the channel «%(name)s»?") % {"name": channel.name},
            text=_("New posts can no longer be written for it; its published posts stay."),
            confirm=_("Archive"),
            cancel_url=reverse("channels:channels", args=[self.institution.pk]),
        )

    def post(self, request, institution_id, pk):
        channel = self.get_channel(pk)
        try:
            services.archive_channel(channel=channel, by=request.user)
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The channel is archived."))
        return redirect("channels:channels", self.institution.pk)


class AuthorAddView(InstitutionView):
    action = "channel.manage"
    http_method_names = ["post"]

    def post(self, request, institution_id):
        form = AuthorForm(request.POST, institution=self.institution)
        if form.is_valid():
            try:
                services.allow_author(
                    institution=self.institution,
                    person=form.cleaned_data["person"],
                    by=request.user,
                )
            except NotAllowed:
                raise  # "you may not" stays a 403 (see roles.web)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("The staff member may now write posts."))
        else:
            messages.error(request, _("Choose a staff member."))
        return redirect("channels:channels", self.institution.pk)


class AuthorRemoveView(InstitutionView):
    action = "channel.manage"

    def get_author(self, pk):
        return get_object_or_404(
            ChannelAuthor.objects.select_related("person"), pk=pk, institution=self.institution
        )

    def get(self, request, institution_id, pk):
        author = self.get_author(pk)
        return self.render(
            "confirm.html",
            title=_("Stop %(person)s writing posts?") % {"person": author.person},
            text=_("Their posts written so far stay as they are."),
            confirm=_("Remove"),
            cancel_url=reverse("channels:channels", args=[self.institution.pk]),
        )

    def post(self, request, institution_id, pk):
        services.remove_author(author=self.get_author(pk), by=request.user)
        messages.success(request, _("Removed from the authors."))
        return redirect("channels:channels", self.institution.pk)


# --- events -----------------------------------------------------------------------------------


class EventListView(InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id):
        form = EventFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        period = data.get("period") or "upcoming"
        now = timezone.now()
        # Upcoming includes what is on now (started up to a day ago and still planned).
        start = now - dt.timedelta(days=1) if period == "upcoming" else None
        end = now if period == "past" else None
        events = selectors.events_for(
            request.user,
            self.institution,
            start=start,
            end=end,
            kind=data.get("kind", ""),
            status=data.get("status", ""),
        )
        if period == "upcoming":
            events = [e for e in events if e.ends_at >= now]
        if period == "past":
            events.reverse()
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
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                format=data["format"],
                place=data["place"],
                host=data["host"],
                units=data["units"],
                roles=data["roles"],
                meeting_link=data["meeting_link"],
                by=request.user,
            )
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.event_page(form, _("Plan an event"), self.cancel_url())
        messages.success(request, _("The event is planned."))
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
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
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
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
        return redirect("channels:event", self.institution.pk, event.pk)


# --- feed addresses ---------------------------------------------------------------------------


class FeedAddressView(InstitutionView):
    """The user's secret addresses for calendar apps and feed readers: create, replace, revoke."""

    action = "channel.view"

    def get(self, request, institution_id):
        return self.render(
            "channels/feed_addresses.html",
            token=selectors.feed_token_of(request.user),
            new_token=None,
        )

    def post(self, request, institution_id):
        if request.POST.get("revoke"):
            services.revoke_feed_tokens(user=request.user)
            messages.success(request, _("The old addresses no longer work."))
            return redirect("channels:feed_addresses", self.institution.pk)
        raw = services.issue_feed_token(user=request.user)
        return self.render(
            "channels/feed_addresses.html",
            token=selectors.feed_token_of(request.user),
            new_token=raw,
            urls=feeds.urls_for(raw, self.institution, request),
        )


@never_cache
@require_GET
def personal_calendar(request, token):
    user = selectors.user_for_feed_token(token)
    if user is None:
        raise Http404
    return feeds.ics_response(feeds.personal_calendar(user), "sferum-my.ics")


@never_cache
@require_GET
def institution_calendar(request, token, institution_id):
    user = selectors.user_for_feed_token(token)
    if user is None:
        raise Http404
    institution = get_object_or_404(role_permissions.institutions_for(user), pk=institution_id)
    if not role_permissions.can(user, "channel.view", institution):
        raise Http404
    return feeds.ics_response(
        feeds.institution_calendar(user, institution), f"sferum-{institution.pk}.ics"
    )


# --- support and help -------------------------------------------------------------------------


class SupportListView(InstitutionView):
    action = "support.manage"

    def get(self, request, institution_id):
        form = SupportFilterForm(request.GET or None)
        status = form.cleaned_data["status"] if form.is_valid() else ""
        return self.render(
            "channels/support_list.html",
            form=form,
            page=paginate(request, selectors.support_requests_of(self.institution, status=status)),
        )


class SupportFormView(InstitutionView):
    action = "support.manage"

    def get_request(self, pk):
        if pk is None:
            return None
        return get_object_or_404(SupportRequest, pk=pk, institution=self.institution)

    def page(self, form, support):
        return self.render(
            "channels/support_form.html",
            form=form,
            support=support,
            mail=selectors.support_mail(support) if support else None,
        )

    def get(self, request, institution_id, pk=None):
        support = self.get_request(pk)
        return self.page(SupportRequestForm(instance=support), support)

    def post(self, request, institution_id, pk=None):
        support = self.get_request(pk)
        # A bound ModelForm writes into its instance: give it a copy so a refusal changes nothing.
        instance = SupportRequest.objects.get(pk=support.pk) if support else None
        form = SupportRequestForm(request.POST, instance=instance)
        if not form.is_valid():
            return self.page(form, support)
        fields = {k: form.cleaned_data[k] for k in SupportRequestForm.Meta.fields}
        try:
            if support is None:
                support = services.create_support_request(
                    institution=self.institution, by=request.user, **fields
                )
            else:
                support = services.update_support_request(
                    request=support, by=request.user, **fields
                )
        except NotAllowed:
            raise  # "you may not" stays a 403 (see roles.web)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.page(form, self.get_request(pk))
        messages.success(request, _("The support request is saved."))
        return redirect("channels:support_detail", self.institution.pk, support.pk)


class ApplicationView(InstitutionView):
    action = "support.manage"

    def get(self, request, institution_id):
        form = ApplicationForm(request.GET or None)
        phone = form.cleaned_data["phone"] if form.is_valid() else ""
        return self.render(
            "channels/application.html",
            form=form,
            application=selectors.registration_application(self.institution, phone=phone),
        )


class HelpView(InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id):
        return self.render(
            "channels/help.html", **selectors.help_sections(request.user, self.institution)
        )
