"""Every write of the channels app, by subject:

- `channels`: the system channels and the staff allowed to write posts for them;
- `posts`: the editorial workflow, publication (now, or when due) and the Sferum link;
- `events`: planning, changing, cancelling events, marking them held, seminar attendance;
- `reminders`: when reminders are due, sending them, a reminder on request;
- `feeds`: the secrets of the feed addresses;
- `support`: the log of requests to Sferum's support;
- `people`: the app's rows of a person merged into another (`roles.signals.people_merged`).

Refusals are `roles.errors.NotAllowed` ("you may not") and `RuleBroken` ("this breaks a rule");
a refused step of the workflow is a `PostTransitionError` (a `NotAllowed`). Import from here:
`from channels_app import services; services.create_post(...)`.
"""

from .channels import (
    CHANNEL_FIELDS,
    allow_author,
    archive_channel,
    create_channel,
    remove_author,
    update_channel,
)
from .events import (
    MAX_EVENT_MINUTES,
    cancel_event,
    create_event,
    mark_attended,
    mark_event_held,
    record_held_event,
    update_event,
)
from .feeds import issue_feed_token, revoke_feed_tokens
from .people import hand_over_person
from .posts import (
    PostTransitionError,
    approve_post,
    create_post,
    publish_due_posts,
    publish_post_now,
    record_post_link,
    reject_post,
    request_changes,
    schedule_post,
    submit_post,
    unschedule_post,
    update_post,
    withdraw_post,
)
from .reminders import DAY_REMINDER_GRACE, remind_now, reminder_times, send_due_reminders
from .support import SUPPORT_FIELDS, create_support_request, update_support_request

__all__ = [
    "CHANNEL_FIELDS",
    "DAY_REMINDER_GRACE",
    "MAX_EVENT_MINUTES",
    "SUPPORT_FIELDS",
    "PostTransitionError",
    "allow_author",
    "approve_post",
    "archive_channel",
    "cancel_event",
    "create_channel",
    "create_event",
    "create_post",
    "create_support_request",
    "hand_over_person",
    "issue_feed_token",
    "mark_attended",
    "mark_event_held",
    "record_held_event",
    "publish_due_posts",
    "publish_post_now",
    "record_post_link",
    "reject_post",
    "remind_now",
    "reminder_times",
    "remove_author",
    "request_changes",
    "revoke_feed_tokens",
    "schedule_post",
    "send_due_reminders",
    "submit_post",
    "unschedule_post",
    "update_channel",
    "update_event",
    "update_post",
    "update_support_request",
    "withdraw_post",
]
