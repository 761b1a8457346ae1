"""Sign-in links: the person's page section that lists them, issuing one (confirmation, then the
raw link with its QR code shown once, printable), revoking one, and the public landing
`/signin/<token>/` (GET says whom it signs in, POST signs in and lands on «Мои чаты»).

The landing is rate-limited like the invitation landing; a link that does not work gets its own
page: unknown 404; expired, used, revoked 410 (the `SignInLinkError` family), never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions
from roles.models import PersonKind
from roles.selectors import active_admins
from roles.web import InstitutionView, error_text, show_as_message

from .. import ratelimit, selectors, services
from ..models import SignInLink
from ..sessions import sign_in_family
from .links import qr_svg

SIGNIN_FAILURE_STATUS = {
    services.SignInLinkNotFound: 404,
    services.SignInLinkExpired: 410,
    services.SignInLinkUsed: 410,
    services.SignInLinkRevoked: 410,
}


def person_section(request, person, institution) -> str:
    """The sign-in links of a student or parent on their page (`roles.signals.
    person_page_sections`), with the button to issue one for those who may."""
    if person.kind not in (PersonKind.STUDENT, PersonKind.PARENT):
        return ""
    if not permissions.can(request.user, "people.view", institution):
        return ""
    return render_to_string(
        "invitations/_person_signin.html",
        {
            "person": person,
            "institution": institution,
            "links": list(selectors.signin_links_of(person)[:20]),
            "can_issue": permissions.can(request.user, "signin.issue", institution),
            "hours": settings.SIGNIN_LINK_HOURS,
        },
        request=request,
    )


class SignInLinkIssueView(InstitutionView):
    """GET: what the link will do, and a confirmation; POST: issue it and show it once."""

    action = "signin.issue"

    def get(self, request, institution_id, pk):
        person = self.get_person(pk)
        cancel_url = reverse("roles:person", args=[self.institution.pk, person.pk])
        try:
            services.check_signin_issuable(person, request.user)
        except ValidationError as exc:
            show_as_message(request, exc)
            return redirect(cancel_url)
        return self.render(
            "confirm.html",
            title=_("Issue a sign-in link for %(person)s?") % {"person": person.full_name},
            text=_(
                "Whoever opens the link within %(hours)d hours signs in once as %(person)s, "
                "without a password, and stays signed in on that device. Give it only to "
                "them (or their parent). Their earlier sign-in links stop working."
            )
            % {"hours": settings.SIGNIN_LINK_HOURS, "person": person.short_name},
            confirm=_("Issue the link"),
            cancel_url=cancel_url,
        )

    def post(self, request, institution_id, pk):
        person = self.get_person(pk)
        try:
            link, token = services.issue_signin_link(person=person, by=request.user)
        except ValidationError as exc:
            show_as_message(request, exc)
            return redirect("roles:person", institution_id=self.institution.pk, pk=person.pk)
        # The raw link is shown on this response only: it is not stored anywhere.
        url = services.signin_url(token)
        return self.render("invitations/signin_created.html", link=link, url=url, qr=qr_svg(url))


class SignInLinkRevokeView(InstitutionView):
    action = "signin.issue"

    def get_link(self, pk) -> SignInLink:
        return get_object_or_404(
            SignInLink.objects.select_related("person"), pk=pk, institution=self.institution
        )

    def get(self, request, institution_id, pk):
        link = self.get_link(pk)
        return self.render(
            "confirm.html",
            title=_("Revoke this sign-in link?"),
            text=_("%(person)s will not be able to sign in with it.")
            % {"person": link.person.full_name},
            confirm=_("Revoke"),
            cancel_url=reverse("roles:person", args=[self.institution.pk, link.person_id]),
        )

    def post(self, request, institution_id, pk):
        link = self.get_link(pk)
        try:
            services.revoke_signin_link(link=link, by=request.user)
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, _("The sign-in link is revoked."))
        return redirect("roles:person", institution_id=self.institution.pk, pk=link.person_id)


def _signin_failure(request, exc: services.SignInLinkError, link: SignInLink | None = None):
    institution = link.institution if link else None
    return render(
        request,
        "invitations/signin_failed.html",
        {
            "reason": exc.status,
            "link": link,
            "message": error_text(exc),
            "admins": list(active_admins(institution)) if institution else [],
        },
        status=SIGNIN_FAILURE_STATUS.get(type(exc), 400),
    )


def signin(request, token: str):
    """The landing of a sign-in link: GET says whom it signs in; POST signs in (once)."""
    if not ratelimit.allow(request):
        return render(request, "invitations/rate_limited.html", status=429)
    try:
        link = services.find_signin_link(token)
    except services.SignInLinkNotFound as exc:
        return _signin_failure(request, exc)
    timezone.activate(link.institution.tzinfo)
    try:
        services.check_signin_usable(link)
        if request.method == "POST":
            user = services.use_signin_link(token=token)
            sign_in_family(request, user)
            messages.success(
                request, _("You are signed in as %(person)s.") % {"person": link.person.full_name}
            )
            if not permissions.roles_of(user, link.institution):
                return redirect("home")  # no unit any more: the home page says so
            return redirect("chats:my", institution_id=link.institution_id)
    except services.SignInLinkError as exc:
        return _signin_failure(request, exc, link)
    return render(
        request,
        "invitations/signin.html",
        {"link": link, "family_days": settings.FAMILY_SESSION_DAYS},
    )
