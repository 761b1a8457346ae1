"""The admin's log of requests to Sferum's support, the registration application, and the
help page for every role."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from roles.web import InstitutionView, paginate, show_on_form

from .. import selectors, services
from ..forms import ApplicationForm, SupportFilterForm, SupportRequestForm
from ..models import SupportRequest


class SupportListView(InstitutionView):
    action = "support.manage"

    def get(self, request, institution_id):
        form = SupportFilterForm(request.GET or None)
        status = form.cleaned_data["status"] if form.is_valid() else ""
        return self.render(
            "channels/support_list.html",
            form=form,
            page=paginate(request, selectors.support_requests_of(self.institution, status=status)),
        )


class SupportFormView(InstitutionView):
    action = "support.manage"

    def get_request(self, pk):
        if pk is None:
            return None
        return get_object_or_404(SupportRequest, pk=pk, institution=self.institution)

    def page(self, form, support):
        return self.render(
            "channels/support_form.html",
            form=form,
            support=support,
            mail=selectors.support_mail(support) if support else None,
        )

    def get(self, request, institution_id, pk=None):
        support = self.get_request(pk)
        return self.page(SupportRequestForm(instance=support), support)

    def post(self, request, institution_id, pk=None):
        support = self.get_request(pk)
        # A bound ModelForm writes into its instance: give it a copy so a refusal changes nothing.
        instance = SupportRequest.objects.get(pk=support.pk) if support else None
        form = SupportRequestForm(request.POST, instance=instance)
        if not form.is_valid():
            return self.page(form, support)
        fields = {k: form.cleaned_data[k] for k in SupportRequestForm.Meta.fields}
        try:
            if support is None:
                support = services.create_support_request(
                    institution=self.institution, by=request.user, **fields
                )
            else:
                support = services.update_support_request(
                    request=support, by=request.user, **fields
                )
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.page(form, self.get_request(pk))
        messages.success(request, _("The support request is saved."))
        return redirect("channels:support_detail", self.institution.pk, support.pk)


class ApplicationView(InstitutionView):
    """The registration application. The admin's personal phone comes by POST only (never in an
    address, so never in a log or the browser's history); the letter is shown, offered as a
    mailto: link without the phone, and as a ready .eml with the order's file attached."""

    action = "support.manage"

    def get(self, request, institution_id):
        return self.page(ApplicationForm())

    def post(self, request, institution_id):
        form = ApplicationForm(request.POST)
        if not form.is_valid():
            return self.page(form)
        phone = form.cleaned_data["phone"]
        if request.POST.get("action") == "eml":
            data, name = selectors.registration_eml(self.institution, phone=phone)
            response = HttpResponse(data, content_type="message/rfc822")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "no-store"
            return response
        return self.page(form, phone=phone)

    def page(self, form, *, phone: str = ""):
        return self.render(
            "channels/application.html",
            form=form,
            application=selectors.registration_application(self.institution, phone=phone),
        )


class HelpView(InstitutionView):
    action = "channel.view"

    def get(self, request, institution_id):
        return self.render(
            "channels/help.html", **selectors.help_sections(request.user, self.institution)
        )
