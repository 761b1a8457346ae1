"""The administrator appointments: the list with the form to appoint by order, and ending one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import AppointmentForm, EndAppointmentForm
from ..models import AdminAppointment
from ..web import InstitutionView, show_on_form


class AppointmentListView(InstitutionView):
    action = "appointment.view"

    def get(self, request, institution_id):
        return self._page(self._form())

    def post(self, request, institution_id):
        if not permissions.can(request.user, "appointment.manage", self.institution):
            raise PermissionDenied
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.appoint_admin(
                    institution=self.institution, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("The appointment is recorded."))
                return redirect("roles:appointments", institution_id=self.institution.pk)
        return self._page(form)

    def _form(self, data=None):
        if not permissions.can(self.request.user, "appointment.manage", self.institution):
            return None
        return AppointmentForm(data, candidates=selectors.staff_room_candidates(self.institution))

    def _page(self, form):
        return self.render(
            "roles/appointment_list.html",
            form=form,
            appointments=selectors.appointments_of(self.institution),
            is_director=permissions.is_director(self.request.user, self.institution),
        )


class AppointmentEndView(InstitutionView):
    action = "appointment.manage"

    def get(self, request, institution_id, pk):
        appointment = self._get(pk)
        return self._page(appointment, EndAppointmentForm())

    def post(self, request, institution_id, pk):
        appointment = self._get(pk)
        form = EndAppointmentForm(request.POST)
        if form.is_valid():
            try:
                services.end_appointment(
                    appointment=appointment, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("The appointment has ended."))
                return redirect("roles:appointments", institution_id=self.institution.pk)
        return self._page(appointment, form)

    def _get(self, pk):
        return get_object_or_404(AdminAppointment, pk=pk, institution=self.institution)

    def _page(self, appointment, form):
        return self.form_page(
            form,
            title=_("End the appointment of %(person)s") % {"person": appointment.person},
            intro=_("The history of the appointment is kept."),
            cancel_url=reverse("roles:appointments", args=[self.institution.pk]),
            submit=_("End the appointment"),
        )
