"""The administrator appointments: the list with the form to appoint by order, the order's
file and the contact phone of an appointment, its order file to download, and ending one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..forms import AppointmentDetailsForm, AppointmentForm, EndAppointmentForm
from ..models import AdminAppointment
from ..web import InstitutionView, show_on_form
from .institution import order_download


class AppointmentListView(InstitutionView):
    action = "appointment.view"

    def get(self, request, institution_id):
        return self._page(self._form())

    def post(self, request, institution_id):
        if not permissions.can(request.user, "appointment.manage", self.institution):
            raise PermissionDenied
        form = self._form(request.POST, request.FILES)
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

    def _form(self, data=None, files=None):
        if not permissions.can(self.request.user, "appointment.manage", self.institution):
            return None
        return AppointmentForm(
            data, files, candidates=selectors.staff_room_candidates(self.institution)
        )

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


class AppointmentDetailsView(InstitutionView):
    """The order's file and the admin's contact phone, for the registration application."""

    action = "appointment.manage"

    def get(self, request, institution_id, pk):
        appointment = self._get(pk)
        form = AppointmentDetailsForm(
            initial={"contact_phone": appointment.contact_phone},
            has_file=bool(appointment.order_file),
        )
        return self._page(appointment, form)

    def post(self, request, institution_id, pk):
        appointment = self._get(pk)
        form = AppointmentDetailsForm(
            request.POST, request.FILES, has_file=bool(appointment.order_file)
        )
        if form.is_valid():
            data = form.cleaned_data
            order_file = services.appointments.KEEP
            if data.get("order_file"):
                order_file = data["order_file"]
            elif data.get("remove_order_file"):
                order_file = None
            try:
                services.update_appointment_details(
                    appointment=appointment,
                    by=request.user,
                    order_file=order_file,
                    contact_phone=data["contact_phone"],
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("The appointment's details are saved."))
                return redirect("roles:appointments", institution_id=self.institution.pk)
        return self._page(appointment, form)

    def _get(self, pk):
        return get_object_or_404(
            AdminAppointment, pk=pk, institution=self.institution, end_date__isnull=True
        )

    def _page(self, appointment, form):
        return self.form_page(
            form,
            title=_("Order and contacts of %(person)s") % {"person": appointment.person},
            intro=_(
                "Order № %(number)s of %(date)s. The file of the order is attached to the "
                "application for registration on Sferum; the phone is personal data and is "
                "kept only if you enter it."
            )
            % {
                "number": appointment.order_number,
                "date": appointment.order_date.strftime("%d.%m.%Y"),
            },
            cancel_url=reverse("roles:appointments", args=[self.institution.pk]),
        )


class AppointmentOrderFileView(InstitutionView):
    """The order on an administrator's appointment: a download for the administration."""

    action = "appointment.view"

    def get(self, request, institution_id, pk):
        appointment = get_object_or_404(AdminAppointment, pk=pk, institution=self.institution)
        if not appointment.order_file:
            raise Http404
        return order_download(appointment.order_file)
