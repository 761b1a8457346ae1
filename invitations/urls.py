from django.urls import path

from roles.exporting import export_urls
from roles.web import CurrentInstitutionRedirect

from . import views
from .views import exports

app_name = "invitations"

urlpatterns = [
    path("", CurrentInstitutionRedirect.as_view(pattern_name="invitations:list"), name="home"),
    path("<int:institution_id>/", views.InvitationListView.as_view(), name="list"),
    *export_urls("<int:institution_id>/", exports.InvitationExportView, "list"),
    path("<int:institution_id>/new/", views.InvitationCreateView.as_view(), name="create"),
    path("<int:institution_id>/bulk/", views.BulkLinksView.as_view(), name="bulk"),
    path("<int:institution_id>/settings/", views.PolicyView.as_view(), name="policy"),
    path("<int:institution_id>/<int:pk>/", views.InvitationDetailView.as_view(), name="detail"),
    path(
        "<int:institution_id>/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="revoke",
    ),
    path(
        "<int:institution_id>/<int:pk>/resend/",
        views.InvitationResendView.as_view(),
        name="resend",
    ),
    path(
        "<int:institution_id>/units/<int:unit_pk>/revoke/",
        views.UnitRevokeView.as_view(),
        name="revoke_unit",
    ),
    path(
        "<int:institution_id>/people/<int:pk>/signin/",
        views.SignInLinkIssueView.as_view(),
        name="signin_issue",
    ),
    path(
        "<int:institution_id>/signin/<int:pk>/revoke/",
        views.SignInLinkRevokeView.as_view(),
        name="signin_revoke",
    ),
    path("<int:institution_id>/requests/", views.JoinRequestListView.as_view(), name="requests"),
    *export_urls("<int:institution_id>/requests/", exports.JoinRequestExportView, "requests"),
    path(
        "<int:institution_id>/requests/<int:pk>/",
        views.JoinRequestDecideView.as_view(),
        name="decide_request",
    ),
    path(
        "<int:institution_id>/verification/",
        views.VerificationQueueView.as_view(),
        name="verification",
    ),
    path(
        "<int:institution_id>/verification/<int:pk>/",
        views.VerificationDecideView.as_view(),
        name="verify",
    ),
]
