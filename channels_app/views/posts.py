"""The pages of posts: the feed, the editorial queue, writing, changing and reading a post,
each step of the workflow and recording the post's Sferum link."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles.web import InstitutionView, paginate, show_as_message, show_on_form

from .. import permissions, selectors, services
from ..forms import (
    CommentForm,
    FeedFilterForm,
    PostFilterForm,
    PostForm,
    PostLinkForm,
    ScheduleForm,
)
from ..models import Post, PostState


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
            channels=form.channel_list,
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
        # Back to where the post was opened: the editorial queue (the link from it, the steps
        # taken on this page, or a post not published, which is in the queue only), else the feed.
        has_queue = editor or permissions.can_write_posts(request.user, self.institution)
        back_to_queue = has_queue and (
            request.GET.get("from") == "queue" or post.state != PostState.PUBLISHED
        )
        return self.render(
            "channels/post_detail.html",
            post=post,
            back_to_queue=back_to_queue,
            queue_title=_("Editorial queue") if editor else _("My posts"),
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


def from_queue(institution, post) -> str:
    """The post's page after an editorial step: its way back leads to the queue."""
    return reverse("channels:post", args=[institution.pk, post.pk]) + "?from=queue"


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
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, TRANSITION_MESSAGES[step])
        return redirect(from_queue(self.institution, post))


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
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, _("The link is recorded; the to-do is done."))
        return redirect(from_queue(self.institution, post))
