from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from invitations import views as invitation_views
from roles.views.login import LoginWithCodeView

from . import views

# A database outage is answered with 503 "try again in a moment", not 500 or 400.
handler500 = "sferum_portal.views.server_error"
handler400 = "sferum_portal.views.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", LoginWithCodeView.as_view(), name="login_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("structure/", include("roles.urls")),
    path("invitations/", include("invitations.urls")),
    path("chats/", include("chats.urls")),
    path("channels/", include("channels_app.urls")),
    path("stats/", include("stats.urls")),
    path("invite/", invitation_views.invite_code, name="invite_code"),
    path("invite/<str:token>/", invitation_views.invite, name="invite"),
    path("signin/<str:token>/", invitation_views.signin, name="signin"),
    path("admin/", admin.site.urls),
]
# Uploads are never served from MEDIA_URL: the order file goes through a permission-checked
# view, and roster files (minors' names) are not served at all.
