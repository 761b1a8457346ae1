"""The editorial workflow of posts: writing and changing them, each step (submit, review,
schedule, publish), the scheduled posts published when due, and the link of the message that
the admin published in Sferum by hand.

Who may take which step is declared in `channels_app.permissions.TRANSITIONS`.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Institution, TodoKind
from sferum_portal import links, mail
from sferum_portal.editing import one_line

from .. import permissions
from ..models import Channel, Post, PostHistory, PostState
from .common import _https


class PostTransitionError(NotAllowed):
    """A step of the editorial workflow that this user may not take in this state."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
        raise RuleBroken({"channel": _("The channel belongs to another institution.")})
    if channel.archived_at is not None:
        raise RuleBroken({"channel": _("The channel is archived.")})


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = one_line(title), body.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the post a title.")
    if not body:
        errors["body"] = _("The post has no text.")
    if errors:
        raise RuleBroken(errors)
    return title, body


@transaction.atomic
def create_post(*, channel: Channel, title: str, body: str, by) -> Post:
    institution = channel.institution
    if not permissions.can_write_posts(by, institution):
        raise NotAllowed(_("You may not write posts for the institution's channels."))
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
        raise RuleBroken({"comment": _("Write a comment for the author.")})
    return comment


CHANGES_REQUESTED_SUBJECT = gettext_lazy("Changes requested: %(title)s")
REJECTED_SUBJECT = gettext_lazy("Post rejected: %(title)s")


def _notify_author(post: Post, subject) -> None:
    """The editor's decision e-mailed to the author (if they have an address)."""
    email = post.author.email
    if not email:
        return
    message = mail.build(
        to=email,
        body_template="channels/email/post_decision.txt",
        context={"post": post, "base_url": links.base_url()},
        subject=subject,
        subject_params={"title": post.title},
        tz=post.institution.tzinfo,
    )
    mail.send([message])


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
    transaction.on_commit(lambda: _notify_author(post, CHANGES_REQUESTED_SUBJECT))
    return post


@transaction.atomic
def reject_post(*, post: Post, by, comment: str) -> Post:
    comment = _required_comment(comment)
    post = _transition(post, by, "reject", comment=comment, review_comment=comment, publish_at=None)
    transaction.on_commit(lambda: _notify_author(post, REJECTED_SUBJECT))
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
        raise RuleBroken(
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
        raise NotAllowed(_("Only the institution's administrator records publications."))
    if post.state != PostState.PUBLISHED:
        raise RuleBroken({"link": _("The post has not been published in the portal yet.")})
    link = link.strip()
    if not link:
        raise RuleBroken({"link": _("Paste the link to the message in the Sferum channel.")})
    _https(link, "link")
    post.sferum_link = link
    post.save(update_fields=["sferum_link", "updated_at"])
    _history(post, by, "link", post.state)
    if post.todo is not None:
        roles_services.complete_todo(todo=post.todo, by=by)
    return post
