"""The pages of the channels app, thin over the services and selectors, by subject:

- `posts`: the feed, the editorial queue, a post and the steps of its workflow;
- `channels`: the admin's channels and the staff allowed to write posts;
- `events`: the event list, the calendar, an event and its actions;
- `feeds`: the feed addresses and the calendar feeds read with their secret;
- `support`: the log of requests to support, the registration application, the help page.

`channels_app.urls` names every view from here.
"""

from .channels import (
    AuthorAddView,
    AuthorRemoveView,
    ChannelArchiveView,
    ChannelFormView,
    ChannelListView,
)
from .events import (
    CalendarView,
    EventActionView,
    EventCreateView,
    EventDetailView,
    EventEditView,
    EventListView,
    EventRecordView,
)
from .feeds import FeedAddressView, institution_calendar, personal_calendar
from .posts import (
    TRANSITION_MESSAGES,
    FeedView,
    PostCreateView,
    PostDetailView,
    PostEditView,
    PostLinkView,
    PostTransitionView,
    QueueView,
)
from .support import ApplicationView, HelpView, SupportFormView, SupportListView

__all__ = [
    "TRANSITION_MESSAGES",
    "ApplicationView",
    "AuthorAddView",
    "AuthorRemoveView",
    "CalendarView",
    "ChannelArchiveView",
    "ChannelFormView",
    "ChannelListView",
    "EventActionView",
    "EventCreateView",
    "EventRecordView",
    "EventDetailView",
    "EventEditView",
    "EventListView",
    "FeedAddressView",
    "FeedView",
    "HelpView",
    "PostCreateView",
    "PostDetailView",
    "PostEditView",
    "PostLinkView",
    "PostTransitionView",
    "QueueView",
    "SupportFormView",
    "SupportListView",
    "institution_calendar",
    "personal_calendar",
]
