from django.urls import path

from roles.exporting import export_urls
from roles.web import CurrentInstitutionRedirect

from . import feeds, views
from .views import exports

app_name = "channels"

INST = "<int:institution_id>/"

urlpatterns = [
    path("", CurrentInstitutionRedirect.as_view(pattern_name="channels:feed"), name="home"),
    path(INST, views.FeedView.as_view(), name="feed"),
    path(INST + "posts/", views.QueueView.as_view(), name="queue"),
    path(INST + "posts/new/", views.PostCreateView.as_view(), name="post_create"),
    path(INST + "posts/<int:pk>/", views.PostDetailView.as_view(), name="post"),
    path(INST + "posts/<int:pk>/edit/", views.PostEditView.as_view(), name="post_edit"),
    path(INST + "posts/<int:pk>/link/", views.PostLinkView.as_view(), name="post_link"),
    path(
        INST + "posts/<int:pk>/<slug:step>/",
        views.PostTransitionView.as_view(),
        name="post_transition",
    ),
    path(INST + "manage/", views.ChannelListView.as_view(), name="channels"),
    path(INST + "manage/new/", views.ChannelFormView.as_view(), name="channel_create"),
    path(INST + "manage/<int:pk>/edit/", views.ChannelFormView.as_view(), name="channel_edit"),
    path(
        INST + "manage/<int:pk>/archive/",
        views.ChannelArchiveView.as_view(),
        name="channel_archive",
    ),
    path(INST + "manage/authors/add/", views.AuthorAddView.as_view(), name="author_add"),
    path(
        INST + "manage/authors/<int:pk>/remove/",
        views.AuthorRemoveView.as_view(),
        name="author_remove",
    ),
    path(INST + "events/", views.EventListView.as_view(), name="events"),
    *export_urls(INST + "events/", exports.EventExportView, "events"),
    path(INST + "events/calendar/", views.CalendarView.as_view(), name="calendar"),
    path(INST + "events/new/", views.EventCreateView.as_view(), name="event_create"),
    path(INST + "events/record/", views.EventRecordView.as_view(), name="event_record"),
    path(INST + "events/<int:pk>/", views.EventDetailView.as_view(), name="event"),
    path(INST + "events/<int:pk>/edit/", views.EventEditView.as_view(), name="event_edit"),
    path(
        INST + "events/<int:pk>/<slug:step>/", views.EventActionView.as_view(), name="event_action"
    ),
    path(INST + "feeds/", views.FeedAddressView.as_view(), name="feed_addresses"),
    path(INST + "support/", views.SupportListView.as_view(), name="support"),
    *export_urls(INST + "support/", exports.SupportExportView, "support"),
    path(INST + "support/new/", views.SupportFormView.as_view(), name="support_create"),
    path(INST + "support/<int:pk>/", views.SupportFormView.as_view(), name="support_detail"),
    path(INST + "support/application/", views.ApplicationView.as_view(), name="application"),
    path(INST + "help/", views.HelpView.as_view(), name="help"),
    # Read by calendar apps and feed readers: the secret in the address instead of a session.
    path("feeds/<str:token>/my.ics", views.personal_calendar, name="ics_personal"),
    path(
        "feeds/<str:token>/institution/<int:institution_id>.ics",
        views.institution_calendar,
        name="ics_institution",
    ),
    path("feeds/<str:token>/posts.atom", feeds.PostsFeed(), name="atom"),
]
