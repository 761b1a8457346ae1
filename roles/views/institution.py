"""The institution pages: the list of the user's institutions, the card, its details and the
order on the use of Sferum (a file for staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from .. import documents, permissions, selectors, services
from ..forms import InstitutionForm
from ..web import InstitutionView


class InstitutionListView(View):
    def get(self, request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        institutions = permissions.institutions_for(request.user)
        if institutions.count() == 1:
            return redirect("roles:institution", institution_id=institutions.get().pk)
        return render(request, "roles/institution_list.html", {"institutions": institutions})


class InstitutionDetailView(InstitutionView):
    action = "structure.view"

    def get(self, request, institution_id):
        return self.render(
            "roles/institution_detail.html",
            units=selectors.units_of(self.institution),
            admins=selectors.active_admins(self.institution),
            staff_room=services.staff_room(self.institution),
        )


class OrderFileView(InstitutionView):
    """The order on the use of Sferum, for staff only (uploads are never served publicly)."""

    action = "structure.view"

    def get(self, request, institution_id):
        order_file = self.institution.usage_order_file
        if not order_file:
            raise Http404
        return order_download(order_file)


def order_download(order_file) -> FileResponse:
    """An order's file, always a download typed by what it is: never shown inline as a page of
    the portal."""
    handle = order_file.open("rb")
    kind = documents.sniff(handle)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=order_file.name.rsplit("/", 1)[-1],
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class InstitutionEditView(InstitutionView):
    action = "institution.edit"

    def get(self, request, institution_id):
        return self._page(InstitutionForm(instance=self.institution))

    def post(self, request, institution_id):
        form = InstitutionForm(request.POST, request.FILES, instance=self.institution)
        if form.is_valid():
            services.update_institution(
                institution=self.institution,
                by=request.user,
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
            messages.success(request, _("The institution's details are saved."))
            return redirect("roles:institution", institution_id=self.institution.pk)
        return self._page(form)

    def _page(self, form):
        return self.form_page(
            form,
            title=_("Institution details"),
            cancel_url=reverse("roles:institution", args=[self.institution.pk]),
        )
