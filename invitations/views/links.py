"""The pages of the links themselves: the list with its filters, issuing a link (shown once with
its QR code), a link's card, revoking and resending it, revoking every unused link of a unit,
personal links for a class as a sheet to print, and the institution's link settings.

Thin: each parses the request, calls a service or selector and renders; a refusal of a service
is shown on the form or as a message (`roles.web`). The queues are in `queues`, the public
landing page in `landing`.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from roles import permissions
from roles.forms_base import load_choices
from roles.models import Role, Unit
from roles.web import InstitutionView, id_param, paginate, show_as_message, show_on_form
from sferum_portal.links import absolute_url

from .. import selectors, services
from ..forms import BulkLinksForm, InvitationFilterForm, InvitationForm, PolicyForm
from ..models import Invitation, Status

# A teacher brings the students and parents of their classes (permissions.can_invite).
PASSWORDLESS_ROLES_ORDERED = ("student", "parent")


# Cards on one printed A4 page of a class's links (two columns of five, cut along the lines).
CARDS_PER_PAGE = 10


def qr_svg(url: str, *, printed: bool = False) -> str:
    """The link as an inline SVG QR code (made by segno). `printed`: sized by the sheet's
    stylesheet (a viewBox, no fixed size); the card's white margin completes the quiet zone."""
    code = segno.make(url, error="m")
    if printed:
        svg = code.svg_inline(border=2, omitsize=True, svgclass="qr-code")
    else:
        svg = code.svg_inline(scale=4, border=2)
    return mark_safe(svg)  # noqa: S308


class InvitationListView(InstitutionView):
    action = "invitation.view"

    def get(self, request, institution_id):
        qs = selectors.invitations_visible_to(request.user, self.institution)
        form = InvitationFilterForm(request.GET or None, institution=self.institution)
        if form.is_valid():
            qs = selectors.filter_invitations(qs, form.cleaned_data)
        return self.render(
            "invitations/list.html",
            filter_form=load_choices(form),
            counts=selectors.counts_by_status(
                selectors.invitations_visible_to(request.user, self.institution)
            ),
            page=paginate(request, qs),
            can_manage=permissions.can(request.user, "invitation.manage", self.institution),
        )


class InvitationCreateView(InstitutionView):
    action = "invitation.view"

    def _form(self, data=None):
        manages = permissions.can(self.request.user, "invitation.manage", self.institution)
        return InvitationForm(
            data,
            units=selectors.units_for_inviting(self.request.user, self.institution),
            institution=self.institution,
            default_days=services.policy_for(self.institution).default_ttl_days,
            # Only the roles this user may give (the director's and deputies' are the
            # director's to give; the page says so before the form is filled).
            roles=permissions.grantable_roles(self.request.user, self.institution)
            if manages
            else PASSWORDLESS_ROLES_ORDERED,
            # A teacher picks from the people they may invite; managers (who see the roster)
            # give an external id or a name.
            people=None
            if manages
            else selectors.people_for_personal_links(self.request.user, self.institution),
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
                show_on_form(form, exc)
            else:
                # The raw link is shown on this response only: it is not stored anywhere.
                url = services.invitation_url(token)
                return self.render(
                    "invitations/created.html", invitation=invitation, url=url, qr=qr_svg(url)
                )
        return self._page(form)

    def _page(self, form):
        withheld = permissions.roles_only_the_director_grants(self.request.user, self.institution)
        return self.render(
            "invitations/form.html",
            form=form,
            director_only=", ".join(f"«{Role(r).label}»" for r in withheld),
        )


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
            show_as_message(request, exc)
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
            show_as_message(request, exc)
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
            show_as_message(request, exc)
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
            default_days=services.policy_for(self.institution).default_ttl_days,
            initial={"unit": self.request.GET.get("unit")},
        )

    def get(self, request, institution_id):
        form = self._form()
        waiting = None
        unit = form.fields["unit"].queryset.filter(pk=id_param(request, "unit")).first()
        if unit is not None:
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
                    unit=unit,
                    role=role,
                    created_by=request.user,
                    expires_at=form.cleaned_data["expires_at"],
                    short_codes=True,
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                with_login = selectors.not_joined(unit, role).filter(user__isnull=False).count()
                if with_login:
                    messages.info(
                        request,
                        _(
                            "No personal link for %(count)d of the class who have a login "
                            "already: they see the class's chats under «My chats»."
                        )
                        % {"count": with_login},
                    )
                if not issued:
                    if not with_login:
                        messages.info(request, _("Everybody of this class has joined already."))
                    return redirect("invitations:bulk", institution_id=self.institution.pk)
                cards = [(link, qr_svg(link.url, printed=True)) for link in issued]
                pages = [
                    cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)
                ]
                return self.render(
                    "invitations/sheet.html",
                    unit=unit,
                    role=role,
                    pages=pages,
                    count=len(cards),
                    code_url=absolute_url(reverse("invite_code")),
                )
        return self.render("invitations/bulk.html", form=form, waiting=None)


class PolicyView(InstitutionView):
    action = "invitation.manage"

    def get(self, request, institution_id):
        return self._page(PolicyForm(instance=services.policy_for(self.institution)))

    def post(self, request, institution_id):
        form = PolicyForm(request.POST, instance=services.policy_for(self.institution))
        if form.is_valid():
            services.update_policy(
                institution=self.institution,
                by=request.user,
                **{name: form.cleaned_data[name] for name in services.POLICY_EDITABLE},
            )
            messages.success(request, _("Saved."))
            return redirect("invitations:list", institution_id=self.institution.pk)
        return self._page(form)

    def _page(self, form):
        return self.form_page(
            form,
            title=_("Invitation settings"),
            cancel_url=reverse("invitations:list", args=[self.institution.pk]),
        )
