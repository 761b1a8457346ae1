from django.urls import path

from roles.exporting import export_urls
from roles.web import CurrentInstitutionRedirect

from . import views

app_name = "chats"

urlpatterns = [
    path("", CurrentInstitutionRedirect.as_view(pattern_name="chats:my"), name="home"),
    path("<int:institution_id>/", views.RegistryView.as_view(), name="registry"),
    *export_urls("<int:institution_id>/registry/", views.RegistryExportView, "registry"),
    path("<int:institution_id>/my/", views.MyChatsView.as_view(), name="my"),
    path("<int:institution_id>/classes/", views.MyClassesView.as_view(), name="classes"),
    path("<int:institution_id>/board/", views.BoardView.as_view(), name="board"),
    path("<int:institution_id>/board.csv", views.BoardCsvView.as_view(), name="board_csv"),
    path(
        "<int:institution_id>/board/export.xlsx",
        views.BoardExportView.as_view(fmt="xlsx"),
        name="board_xlsx",
    ),
    path(
        "<int:institution_id>/board/print/",
        views.BoardExportView.as_view(fmt="print"),
        name="board_print",
    ),
    path("<int:institution_id>/board/remind/", views.RemindView.as_view(), name="remind"),
    path("<int:institution_id>/max/", views.MaxMigrationView.as_view(), name="max"),
    path("<int:institution_id>/new/", views.ChatCreateView.as_view(), name="create"),
    path("<int:institution_id>/<int:pk>/edit/", views.ChatEditView.as_view(), name="edit"),
    path("<int:institution_id>/<int:pk>/archive/", views.ChatArchiveView.as_view(), name="archive"),
    path("<int:institution_id>/<int:pk>/", views.ChatDetailView.as_view(), name="detail"),
    path("<int:institution_id>/<int:pk>/members/", views.MemberListView.as_view(), name="members"),
    path(
        "<int:institution_id>/<int:pk>/members/<int:member_pk>/",
        views.MemberDecideView.as_view(),
        name="member_decide",
    ),
    path("<int:institution_id>/messenger/", views.MessengerView.as_view(), name="messenger"),
    path(
        "<int:institution_id>/messenger/token/remove/",
        views.MessengerTokenRemoveView.as_view(),
        name="messenger_token_remove",
    ),
    path(
        "<int:institution_id>/messenger/sync/",
        views.MessengerSyncView.as_view(),
        name="messenger_sync",
    ),
    path(
        "<int:institution_id>/messenger/chats/<int:pk>/match/",
        views.BotChatMatchView.as_view(),
        name="messenger_match",
    ),
]
