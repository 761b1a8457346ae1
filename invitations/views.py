"""Thin views of the invitation pages and the public landing page `/invite/<token>/`."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from roles import permissions
from roles.forms import VerificationForm
from roles.models import Person, Unit, normalize_search
from roles.selectors import active_admins, teachers_awaiting_verification
from roles.web import InstitutionView, error_text, paginate

from . import ratelimit, selectors, services
from .forms import (
    BulkLinksForm,
    InvitationFilterForm,
    InvitationForm,
    JoinRequestDecisionForm,
    JoinRequestForm,
    PolicyForm,
    SignupForm,
)
from .models import PASSWORDLESS_ROLES, Invitation, JoinRequest, Status

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A teacher brings the students and parents of their classes (permissions.can_invite).
PASSWORDLESS_ROLES_ORDERED = ("student", "parent")


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (made by segno)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2))  # noqa: S308


class InvitationListView(InstitutionView):
    action = "invitation.view"

    def get(self, request, institution_id):
        qs = selectors.invitations_visible_to(request.user, self.institution)
        form = InvitationFilterForm(request.GET or None, institution=self.institution)
        if form.is_valid():
            data = form.cleaned_data
            if data["status"]:
                qs = qs.with_status(data["status"])
            if data["unit"]:
                qs = qs.filter(unit=data["unit"])
            if data["role"]:
                qs = qs.filter(role=data["role"])
            if data["creator"]:
                qs = qs.filter(
                    Q(created_by__username__icontains=data["creator"])
                    | Q(created_by__last_name__icontains=data["creator"])
                )
            for word in normalize_search(data["q"]).split():
                qs = qs.filter(search_key__contains=word)
        return self.render(
            "invitations/list.html",
            filter_form=form,
            counts=selectors.counts_by_status(
                selectors.invitations_visible_to(request.user, self.institution)
            ),
            page=paginate(request, qs),
            can_manage=permissions.can(request.user, "invitation.manage", self.institution),
        )


class InvitationCreateView(InstitutionView):
    action = "invitation.view"

    def _form(self, data=None):
        return InvitationForm(
            data,
            units=selectors.units_for_inviting(self.request.user, self.institution),
            institution=self.institution,
            default_days=services.policy_for(self.institution).default_ttl_days,
            roles=None
            if permissions.can(self.request.user, "invitation.manage", self.institution)
            else PASSWORDLESS_ROLES_ORDERED,
            initial={"unit": self.request.GET.get("unit"), "role": self.request.GET.get("role")},
        )

    def get(self, request, institution_id):
        return self._page(self._form())

    def post(self, request, institution_id):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation, token = services.create_invitation(
                    unit=data["unit"],
                    role=data["role"],
                    created_by=request.user,
                    expires_at=data["expires_at"],
                    max_uses=data["max_uses"],
                    email=data["email"] or "",
                    person=data["person"],
                    needs_approval=data["needs_approval"],
                    note=data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # The raw link is shown on this response only: it is not stored anywhere.
                url = services.invitation_url(token)
                return self.render(
                    "invitations/created.html", invitation=invitation, url=url, qr=qr_svg(url)
                )
        return self._page(form)

    def _page(self, form):
        return self.render("invitations/form.html", form=form)


class InvitationDetailView(InstitutionView):
    action = "invitation.view"

    def get_invitation(self, pk) -> Invitation:
        invitation = get_object_or_404(
            Invitation.objects.select_related("unit", "person", "created_by", "revoked_by"),
            pk=pk,
            institution=self.institution,
        )
        if not permissions.can_see_invitation(self.request.user, invitation):
            raise PermissionDenied
        return invitation

    def get(self, request, institution_id, pk):
        invitation = self.get_invitation(pk)
        return self.render(
            "invitations/detail.html",
            invitation=invitation,
            uses=selectors.invitation_uses(invitation),
            is_active=invitation.status == Status.ACTIVE,
        )


class InvitationRevokeView(InvitationDetailView):
    def get(self, request, institution_id, pk):
        invitation = self.get_invitation(pk)
        return self.render(
            "confirm.html",
            title=_("Revoke this link?"),
            text=_("%(invitation)s. Nobody will be able to use it any more.")
            % {"invitation": invitation},
            confirm=_("Revoke"),
            cancel_url=reverse("invitations:detail", args=[self.institution.pk, pk]),
        )

    def post(self, request, institution_id, pk):
        invitation = self.get_invitation(pk)
        try:
            services.revoke_invitation(invitation=invitation, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The link is revoked."))
        return redirect("invitations:detail", institution_id=self.institution.pk, pk=pk)


class InvitationResendView(InvitationDetailView):
    http_method_names = ["post"]

    def post(self, request, institution_id, pk):
        invitation = self.get_invitation(pk)
        try:
            services.resend_invitation(invitation=invitation, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("A new link is sent to %(email)s; the old one no longer works.")
                % {"email": invitation.email},
            )
        return redirect("invitations:detail", institution_id=self.institution.pk, pk=pk)


class UnitRevokeView(InstitutionView):
    action = "invitation.manage"

    def get(self, request, institution_id, unit_pk):
        unit = get_object_or_404(Unit, pk=unit_pk, institution=self.institution)
        count = Invitation.objects.active().filter(unit=unit, uses_count=0).count()
        return self.render(
            "confirm.html",
            title=_("Revoke every unused link of «%(unit)s»?") % {"unit": unit},
            text=_("%(count)d links that nobody has used will stop working.") % {"count": count},
            confirm=_("Revoke all"),
            cancel_url=reverse("invitations:list", args=[self.institution.pk]),
        )

    def post(self, request, institution_id, unit_pk):
        unit = get_object_or_404(Unit, pk=unit_pk, institution=self.institution)
        try:
            count = services.revoke_unused_for_unit(unit=unit, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Links revoked: %(count)d.") % {"count": count})
        return redirect(f"{reverse('invitations:list', args=[self.institution.pk])}?unit={unit.pk}")


class BulkLinksView(InstitutionView):
    """Personal links for everybody of a class who has not joined: a sheet to print."""

    action = "invitation.view"

    def _form(self, data=None):
        return BulkLinksForm(
            data,
            units=selectors.units_for_inviting(self.request.user, self.institution),
            initial={"unit": self.request.GET.get("unit")},
        )

    def get(self, request, institution_id):
        form = self._form()
        waiting = None
        unit_id = request.GET.get("unit")
        if unit_id and form.fields["unit"].queryset.filter(pk=unit_id).exists():
            unit = form.fields["unit"].queryset.get(pk=unit_id)
            waiting = {
                "students": selectors.not_joined(unit, "student").count(),
                "parents": selectors.not_joined(unit, "parent").count(),
            }
        return self.render("invitations/bulk.html", form=form, waiting=waiting)

    def post(self, request, institution_id):
        form = self._form(request.POST)
        if form.is_valid():
            unit, role = form.cleaned_data["unit"], form.cleaned_data["role"]
            try:
                issued = services.issue_personal_links(
                    unit=unit, role=role, created_by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if not issued:
                    messages.info(request, _("Everybody of this class has joined already."))
                    return redirect("invitations:bulk", institution_id=self.institution.pk)
                sheet = [(link, qr_svg(link.url)) for link in issued]
                return self.render("invitations/sheet.html", unit=unit, role=role, sheet=sheet)
        return self.render("invitations/bulk.html", form=form, waiting=None)


class PolicyView(InstitutionView):
    action = "invitation.manage"

    def get(self, request, institution_id):
        return self._page(PolicyForm(instance=services.policy_for(self.institution)))

    def post(self, request, institution_id):
        form = PolicyForm(request.POST, instance=services.policy_for(self.institution))
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("invitations:list", institution_id=self.institution.pk)
        return self._page(form)

    def _page(self, form):
        return self.form_page(
            form,
            title=_("Invitation settings"),
            cancel_url=reverse("invitations:list", args=[self.institution.pk]),
        )


# --- queues -----------------------------------------------------------------------------------


class JoinRequestListView(InstitutionView):
    action = "joinrequest.decide"

    def get(self, request, institution_id):
        pending = list(selectors.pending_join_requests(self.institution)[:50])
        forms = [
            (
                jr,
                JoinRequestDecisionForm(
                    candidates=selectors.match_candidates(jr), prefix=f"jr{jr.pk}"
                ),
            )
            for jr in pending
        ]
        return self.render(
            "invitations/requests.html",
            forms=forms,
            pending_count=selectors.pending_join_requests(self.institution).count(),
            decided=paginate(request, selectors.decided_join_requests(self.institution), 20),
        )


class JoinRequestDecideView(InstitutionView):
    action = "joinrequest.decide"

    def post(self, request, institution_id, pk):
        join_request = get_object_or_404(JoinRequest, pk=pk, institution=self.institution)
        form = JoinRequestDecisionForm(
            request.POST, candidates=selectors.match_candidates(join_request), prefix=f"jr{pk}"
        )
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
            return redirect("invitations:requests", institution_id=self.institution.pk)
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.approve_join_request(
                    join_request=join_request, by=request.user, person=data["person"]
                )
                messages.success(
                    request, _("Approved: %(name)s") % {"name": join_request.full_name}
                )
            else:
                services.reject_join_request(
                    join_request=join_request, by=request.user, reason=data["reason"]
                )
                messages.success(
                    request, _("Rejected: %(name)s") % {"name": join_request.full_name}
                )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("invitations:requests", institution_id=self.institution.pk)


class VerificationQueueView(InstitutionView):
    action = "teacher.verify"

    def get(self, request, institution_id):
        return self.render(
            "invitations/verification.html",
            page=paginate(request, teachers_awaiting_verification(self.institution)),
            form=VerificationForm(),
        )


class VerificationDecideView(InstitutionView):
    action = "teacher.verify"

    def post(self, request, institution_id, pk):
        person = get_object_or_404(Person, pk=pk, institution=self.institution)
        form = VerificationForm(request.POST)
        if form.is_valid():
            try:
                services.decide_verification(person=person, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(
                    request, _("The decision is recorded: %(person)s") % {"person": person}
                )
        else:
            messages.error(request, _("Choose a decision."))
        return redirect("invitations:verification", institution_id=self.institution.pk)


# --- the landing page -------------------------------------------------------------------------

FAILURE_STATUS = {
    services.InvitationNotFound: 404,
    services.InvitationExpired: 410,
    services.InvitationRevoked: 410,
    services.InvitationUsedUp: 410,
    services.InvitationNotForYou: 403,
}


def _failure(request, exc: services.InvitationError, invitation: Invitation | None = None):
    institution = invitation.institution if invitation else None
    return render(
        request,
        "invitations/invite_failed.html",
        {
            "reason": exc.status,
            "invitation": invitation,
            "admins": active_admins(institution) if institution else [],
        },
        status=FAILURE_STATUS.get(type(exc), 400),
    )


def _after_joining(request, invitation: Invitation):
    # On to the chats the person is now entitled to.
    return redirect("chats:my", institution_id=invitation.institution_id)


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
    context = {"invitation": invitation, "passwordless": passwordless, "token": token}
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
                        email=data["email"],
                    )
                    login(request, user, backend=MODEL_BACKEND)
                    messages.success(
                        request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                    )
                    return _after_joining(request, invitation)
            elif action == "join" and passwordless and invitation.is_personal:
                user, _membership = services.join_by_personal_link(token=token)
                login(request, user, backend=MODEL_BACKEND)
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
                        login(request, user, backend=MODEL_BACKEND)
                    if isinstance(result, JoinRequest):
                        return render(
                            request, "invitations/request_sent.html", {"join_request": result}
                        )
                    messages.success(
                        request, _("You have joined «%(unit)s».") % {"unit": invitation.unit}
                    )
                    return _after_joining(request, invitation)
        except services.InvitationError as exc:
            return _failure(request, exc, invitation)
        except ValidationError as exc:
            messages.error(request, error_text(exc))

    context.update(
        login_form=login_form,
        signup_form=signup_form,
        request_form=request_form,
        admins=active_admins(invitation.institution),
    )
    return render(request, "invitations/invite.html", context)
