"""The administrator's queues: requests to join by a class link (approve as a roster person,
the namesake pre-selected, or as a new one by an explicit choice, or reject with a reason) and
teachers waiting for their «учитель» status to be verified. Thin: the decisions are services; a
refusal is shown as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from roles.forms import VerificationForm
from roles.models import Person
from roles.selectors import verification_queue
from roles.web import InstitutionView, paginate, show_as_message

from .. import selectors, services
from ..forms import JoinRequestDecisionForm
from ..models import JoinRequest


def _decision_form(join_request: JoinRequest, data=None) -> JoinRequestDecisionForm:
    """The roster people the request may be, its namesakes first and pre-selected."""
    return JoinRequestDecisionForm(
        data,
        candidates=selectors.match_candidates(join_request),
        matches=selectors.name_matches(join_request),
        prefix=f"jr{join_request.pk}",
    )


class JoinRequestListView(InstitutionView):
    action = "joinrequest.decide"

    def get(self, request, institution_id):
        pending = list(selectors.pending_join_requests(self.institution)[:50])
        forms = [(jr, _decision_form(jr)) for jr in pending]
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
        form = _decision_form(join_request, request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
            return redirect("invitations:requests", institution_id=self.institution.pk)
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.approve_join_request(
                    join_request=join_request,
                    by=request.user,
                    person=data["person"],
                    as_new=data.get("confirm_new", False),
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
            show_as_message(request, exc)
        return redirect("invitations:requests", institution_id=self.institution.pk)


class VerificationQueueView(InstitutionView):
    """The teachers waiting for their «учитель» status, for the admins, the director and the
    deputies: each with their units and classes and the day they joined, and what to check in
    Sferum before confirming."""

    action = "teacher.verify"

    def get(self, request, institution_id):
        return self.render(
            "invitations/verification.html",
            page=paginate(request, verification_queue(self.institution)),
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
                show_as_message(request, exc)
            else:
                messages.success(
                    request, _("The decision is recorded: %(person)s") % {"person": person}
                )
        else:
            messages.error(request, _("Choose a decision."))
        return redirect("invitations:verification", institution_id=self.institution.pk)
