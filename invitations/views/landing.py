"""The public landing page `/invite/<token>/`: GET says what the link is for; POST joins (sign
in, sign up, confirm a personal link, or say who you are for a class link). The token may be
the short code of a printed sheet; `/invite/` is where that code is typed.

Rate-limited per address. A link that does not work gets its own page and status: unknown 404;
expired, revoked, used up 410; not for you (or a personal link of somebody who has a login by
now) 403 (the `InvitationError` family, caught before any other refusal, which is shown as a
message on the page). A student or parent signed in without a password keeps the login on the
device for FAMILY_SESSION_DAYS (`invitations.sessions`); staff get the ordinary session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from roles.selectors import active_admins
from roles.web import show_as_message
from sferum_portal.tokens import normalize_short_code

from .. import ratelimit, services
from ..forms import JoinRequestForm, SignupForm
from ..models import PASSWORDLESS_ROLES, Invitation, JoinRequest
from ..sessions import MODEL_BACKEND, sign_in_family

FAILURE_STATUS = {
    services.InvitationNotFound: 404,
    services.InvitationExpired: 410,
    services.InvitationRevoked: 410,
    services.InvitationUsedUp: 410,
    services.InvitationNotForYou: 403,
    services.InvitationPersonHasLogin: 403,
}


def _failure(request, exc: services.InvitationError, invitation: Invitation | None = None):
    institution = invitation.institution if invitation else None
    return render(
        request,
        "invitations/invite_failed.html",
        {
            "reason": exc.status,
            "invitation": invitation,
            "admins": list(active_admins(institution)) if institution else [],
        },
        status=FAILURE_STATUS.get(type(exc), 400),
    )


def _after_joining(request, invitation: Invitation):
    # On to the chats the person is now entitled to.
    return redirect("chats:my", institution_id=invitation.institution_id)


def invite_code(request):
    """`/invite/`: the short code printed under a QR code, typed by hand. A code in the right
    form leads to its landing page (`/invite/<code>/`, which checks it like a token); anything
    else is said at once. Rate-limited with the landing."""
    code, error = "", ""
    if request.method == "POST":
        if not ratelimit.allow(request):
            return render(request, "invitations/rate_limited.html", status=429)
        code = request.POST.get("code", "")[:40]
        normal = normalize_short_code(code)
        if normal is not None:
            return redirect("invite", token=normal)
        error = _(
            "A code has ten letters and digits, such as ABCDE-FGHJK (there is no 0, O, 1, I "
            "or L in it). Check what you typed."
        )
    return render(request, "invitations/invite_code.html", {"code": code, "error": error})


def invite(request, token: str):
    """GET: what the link is for; POST: join (sign in, sign up, confirm or ask to join)."""
    if not ratelimit.allow(request):
        return render(request, "invitations/rate_limited.html", status=429)
    try:
        invitation = services.find_invitation(token)
    except services.InvitationNotFound as exc:
        return _failure(request, exc)
    timezone.activate(invitation.institution.tzinfo)
    try:
        services.check_usable(invitation)
    except services.InvitationError as exc:
        return _failure(request, exc, invitation)

    passwordless = invitation.role in PASSWORDLESS_ROLES
    person = invitation.person
    # A personal family link of somebody who has a login by now signs nobody in as them; only
    # that login itself, signed in on this device, may still use it.
    own_link = person is not None and person.user_id is not None
    if passwordless and own_link and person.user_id != request.user.pk:
        return _failure(request, services.InvitationPersonHasLogin(), invitation)
    context = {
        "invitation": invitation,
        "passwordless": passwordless,
        "token": token,
        "family_days": settings.FAMILY_SESSION_DAYS,
        "own_link": own_link,
    }
    login_form = AuthenticationForm(request, prefix="login")
    signup_form = SignupForm(prefix="signup")
    request_form = JoinRequestForm(role=invitation.role)

    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept" and request.user.is_authenticated:
                services.accept_invitation(token=token, user=request.user)
                messages.success(
                    request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                )
                return _after_joining(request, invitation)
            if action == "login" and not passwordless:
                login_form = AuthenticationForm(request, data=request.POST, prefix="login")
                if login_form.is_valid():
                    user = login_form.get_user()
                    services.accept_invitation(token=token, user=user)
                    login(request, user)
                    messages.success(
                        request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                    )
                    return _after_joining(request, invitation)
            elif action == "signup" and not passwordless:
                signup_form = SignupForm(request.POST, prefix="signup")
                if signup_form.is_valid():
                    data = signup_form.cleaned_data
                    user, _membership = services.join_with_new_account(
                        token=token,
                        username=data["username"],
                        password=data["password1"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        patronymic=data["patronymic"],
                        email=data["email"],
                    )
                    login(request, user, backend=MODEL_BACKEND)
                    messages.success(
                        request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                    )
                    return _after_joining(request, invitation)
            elif action == "join" and passwordless and invitation.is_personal:
                user, _membership = services.join_by_personal_link(token=token)
                sign_in_family(request, user)
                messages.success(
                    request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                )
                return _after_joining(request, invitation)
            elif action == "request" and passwordless and not invitation.is_personal:
                request_form = JoinRequestForm(request.POST, role=invitation.role)
                if request_form.is_valid():
                    user, result = services.request_as_guest(
                        token=token, user=request.user, **request_form.cleaned_data
                    )
                    if not request.user.is_authenticated:
                        sign_in_family(request, user)
                    if isinstance(result, JoinRequest):
                        return render(
                            request,
                            "invitations/request_sent.html",
                            {
                                "join_request": result,
                                "family_days": settings.FAMILY_SESSION_DAYS,
                                "remembered": not user.has_usable_password(),
                            },
                        )
                    messages.success(
                        request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                    )
                    return _after_joining(request, invitation)
        except services.InvitationError as exc:
            return _failure(request, exc, invitation)
        except ValidationError as exc:
            show_as_message(request, exc)

    context.update(
        login_form=login_form,
        signup_form=signup_form,
        request_form=request_form,
        admins=list(active_admins(invitation.institution)),
    )
    return render(request, "invitations/invite.html", context)
