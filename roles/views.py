"""Thin views: parse the request, check the action in `permissions`, call a service/selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from . import permissions, selectors, services
from .filters import AuditFilter, MovementFilter, PersonFilter, UnitFilter
from .forms import (
    AppointmentForm,
    ChangeRoleForm,
    EndAppointmentForm,
    EnrolForm,
    GuardianLinkForm,
    InstitutionForm,
    LeaveForm,
    PersonForm,
    RosterUploadForm,
    TransferForm,
    UnitForm,
    VerificationForm,
)
from .models import (
    AdminAppointment,
    Membership,
    Person,
    RosterImport,
    RosterImportStatus,
    TodoItem,
    UnitKind,
)
from .web import InstitutionView, error_text, paginate


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
        return FileResponse(order_file.open("rb"), as_attachment=True)


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


# --- units ------------------------------------------------------------------------------------


class UnitListView(InstitutionView):
    action = "structure.view"

    def get(self, request, institution_id):
        data = request.GET.copy()
        data.setdefault("archived", "false")
        unit_filter = UnitFilter(
            data, queryset=selectors.units_of(self.institution, include_archived=True)
        )
        return self.render(
            "roles/unit_list.html",
            filter=unit_filter,
            page=paginate(request, unit_filter.qs),
        )


class UnitCreateView(InstitutionView):
    action = "structure.manage"

    def get(self, request, institution_id):
        initial = {"kind": request.GET.get("kind", UnitKind.CLASS)}
        return self._page(UnitForm(institution=self.institution, initial=initial))

    def post(self, request, institution_id):
        form = UnitForm(request.POST, institution=self.institution)
        if form.is_valid():
            try:
                unit = services.create_unit(
                    institution=self.institution, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Unit «%(unit)s» created.") % {"unit": unit})
                return redirect("roles:unit", institution_id=self.institution.pk, pk=unit.pk)
        return self._page(form)

    def _page(self, form):
        return self.form_page(
            form,
            title=_("New unit"),
            cancel_url=reverse("roles:units", args=[self.institution.pk]),
            submit=_("Create"),
        )


class UnitDetailView(InstitutionView):
    action = "structure.view"

    def get(self, request, institution_id, pk):
        unit = self.get_unit(pk)
        show_members = permissions.can_view_unit_members(request.user, unit)
        members = selectors.unit_members(unit) if show_members else None
        return self.render(
            "roles/unit_detail.html",
            unit=unit,
            show_members=show_members,
            page=paginate(request, members) if members is not None else None,
            children=unit.children.filter(archived_at__isnull=True),
        )


class UnitEditView(InstitutionView):
    action = "structure.manage"

    def get(self, request, institution_id, pk):
        unit = self.get_unit(pk)
        initial = {"name": unit.name, "academic_year": unit.academic_year, "parent": unit.parent}
        return self._page(unit, UnitForm(institution=self.institution, unit=unit, initial=initial))

    def post(self, request, institution_id, pk):
        unit = self.get_unit(pk)
        form = UnitForm(request.POST, institution=self.institution, unit=unit)
        if form.is_valid():
            try:
                services.update_unit(unit=unit, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The unit is saved."))
                return redirect("roles:unit", institution_id=self.institution.pk, pk=unit.pk)
        return self._page(unit, form)

    def _page(self, unit, form):
        return self.form_page(
            form,
            title=_("Edit «%(unit)s»") % {"unit": unit},
            cancel_url=reverse("roles:unit", args=[self.institution.pk, unit.pk]),
        )


class UnitArchiveView(InstitutionView):
    action = "structure.manage"

    def get(self, request, institution_id, pk):
        unit = self.get_unit(pk)
        if unit.is_staff_room:
            messages.error(request, _("The staff room cannot be archived."))
            return redirect("roles:unit", institution_id=self.institution.pk, pk=unit.pk)
        return self.render(
            "confirm.html",
            title=_("Archive «%(unit)s»?") % {"unit": unit},
            text=_(
                "Its %(count)d current members will leave it today. The unit stays in the "
                "history and can no longer be changed."
            )
            % {"count": selectors.unit_members(unit).count()},
            confirm=_("Archive"),
            cancel_url=reverse("roles:unit", args=[self.institution.pk, unit.pk]),
        )

    def post(self, request, institution_id, pk):
        unit = self.get_unit(pk)
        try:
            ended = services.archive_unit(unit=unit, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("«%(unit)s» archived; %(count)d memberships ended.")
                % {"unit": unit, "count": ended},
            )
        return redirect("roles:unit", institution_id=self.institution.pk, pk=unit.pk)


# --- people -----------------------------------------------------------------------------------


class PersonListView(InstitutionView):
    action = "people.view"

    def get(self, request, institution_id):
        person_filter = PersonFilter(
            request.GET,
            queryset=selectors.people_of(self.institution),
            institution=self.institution,
        )
        return self.render(
            "roles/person_list.html",
            filter=person_filter,
            page=paginate(request, person_filter.qs),
        )


class PersonCreateView(InstitutionView):
    action = "people.manage"

    def get(self, request, institution_id):
        return self._page(PersonForm())

    def post(self, request, institution_id):
        form = PersonForm(request.POST, instance=Person(institution=self.institution))
        if form.is_valid():
            try:
                person = services.create_person(
                    institution=self.institution, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("%(person)s added. Now enrol them into a unit.") % {"person": person}
                )
                return redirect("roles:enrol", institution_id=self.institution.pk, pk=person.pk)
        return self._page(form)

    def _page(self, form):
        return self.form_page(
            form,
            title=_("New person"),
            cancel_url=reverse("roles:people", args=[self.institution.pk]),
            submit=_("Add"),
        )


class PersonDetailView(InstitutionView):
    action = "people.view"

    def get(self, request, institution_id, pk):
        person = self.get_person(pk)
        return self.render(
            "roles/person_detail.html",
            person=person,
            memberships=selectors.person_memberships(person),
            movements=selectors.person_movements(person),
            appointments=person.admin_appointments.all(),
            guardians=person.guardians.all(),
            children=person.children.all(),
            can_manage=permissions.can(request.user, "people.manage", self.institution),
            can_record=permissions.can(request.user, "movement.record", self.institution),
            can_verify=permissions.can(request.user, "teacher.verify", self.institution),
            verification_form=VerificationForm(),
            guardian_form=GuardianLinkForm(parent=person),
        )


class PersonEditView(InstitutionView):
    action = "people.manage"

    def get(self, request, institution_id, pk):
        person = self.get_person(pk)
        return self._page(person, PersonForm(instance=person))

    def post(self, request, institution_id, pk):
        person = self.get_person(pk)
        form = PersonForm(request.POST, instance=Person.objects.get(pk=person.pk))
        if form.is_valid():
            try:
                services.update_person(
                    person=person,
                    by=request.user,
                    **{name: form.cleaned_data[name] for name in form.changed_data},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("roles:person", institution_id=self.institution.pk, pk=person.pk)
        return self._page(person, form)

    def _page(self, person, form):
        return self.form_page(
            form,
            title=_("Edit %(person)s") % {"person": person},
            cancel_url=reverse("roles:person", args=[self.institution.pk, person.pk]),
        )


class MovementFormView(InstitutionView):
    """One page per kind of movement; the service holds the rule, the form the input."""

    action = "movement.record"
    form_class = None
    title = ""
    submit = ""

    def get_form(self, obj, data=None):
        raise NotImplementedError

    def get_object(self, pk):
        return self.get_person(pk)

    def person_of(self, obj) -> Person:
        return obj

    def apply(self, obj, data):
        raise NotImplementedError

    def get(self, request, institution_id, pk):
        obj = self.get_object(pk)
        initial = {"effective_date": self.institution.local_today()}
        return self._page(obj, self.get_form(obj, initial=initial))

    def post(self, request, institution_id, pk):
        obj = self.get_object(pk)
        form = self.get_form(obj, data=request.POST)
        if form.is_valid():
            try:
                self.apply(obj, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The movement is recorded."))
                person = self.person_of(obj)
                return redirect("roles:person", institution_id=self.institution.pk, pk=person.pk)
        return self._page(obj, form)

    def _page(self, obj, form):
        person = self.person_of(obj)
        return self.form_page(
            form,
            title=f"{self.title}: {person}",
            cancel_url=reverse("roles:person", args=[self.institution.pk, person.pk]),
            submit=self.submit,
        )


class EnrolView(MovementFormView):
    title = _("Enrol")
    submit = _("Enrol")

    def get_form(self, obj, data=None, initial=None):
        return EnrolForm(data, initial=initial, person=obj)

    def apply(self, obj, data):
        services.enrol(person=obj, by=self.request.user, **data)


class TransferView(MovementFormView):
    title = _("Transfer")
    submit = _("Transfer")

    def get_form(self, obj, data=None, initial=None):
        return TransferForm(data, initial=initial, person=obj)

    def apply(self, obj, data):
        membership = data.pop("membership")
        services.transfer(person=obj, from_unit=membership.unit, by=self.request.user, **data)


class LeaveView(MovementFormView):
    title = _("Leaving the institution")
    submit = _("Record leaving")

    def get_form(self, obj, data=None, initial=None):
        return LeaveForm(data, initial=initial)

    def apply(self, obj, data):
        services.leave(person=obj, by=self.request.user, **data)


class ChangeRoleView(MovementFormView):
    title = _("Change of role")
    submit = _("Change role")

    def get_object(self, pk):
        return get_object_or_404(
            Membership.objects.select_related("person", "unit"),
            pk=pk,
            unit__institution=self.institution,
        )

    def person_of(self, obj) -> Person:
        return obj.person

    def get_form(self, obj, data=None, initial=None):
        return ChangeRoleForm(data, initial=initial, membership=obj)

    def apply(self, obj, data):
        services.change_role(membership=obj, by=self.request.user, **data)


class GuardianLinkView(InstitutionView):
    action = "people.manage"

    def post(self, request, institution_id, pk):
        parent = self.get_person(pk)
        form = GuardianLinkForm(request.POST, parent=parent)
        if form.is_valid():
            try:
                services.link_guardian(
                    parent=parent, student=form.cleaned_data["student"], by=request.user
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("The child is linked."))
        else:
            messages.error(request, " ".join(form.errors.get("student", [])))
        return redirect("roles:person", institution_id=self.institution.pk, pk=parent.pk)


class VerifyTeacherView(InstitutionView):
    action = "teacher.verify"

    def post(self, request, institution_id, pk):
        person = self.get_person(pk)
        form = VerificationForm(request.POST)
        if form.is_valid():
            try:
                services.decide_teacher_verification(
                    person=person, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("The decision is recorded."))
        else:
            messages.error(request, _("Choose a decision."))
        return redirect("roles:person", institution_id=self.institution.pk, pk=person.pk)


class MovementListView(InstitutionView):
    action = "people.view"

    def get(self, request, institution_id):
        movement_filter = MovementFilter(
            request.GET, queryset=selectors.movements_of(self.institution)
        )
        return self.render(
            "roles/movement_list.html",
            filter=movement_filter,
            page=paginate(request, movement_filter.qs),
        )


# --- administrator appointments ---------------------------------------------------------------


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
                form.add_error(None, exc)
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
                form.add_error(None, exc)
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


# --- to-do list -------------------------------------------------------------------------------


class TodoListView(InstitutionView):
    action = "todo.manage"

    def get(self, request, institution_id):
        show_done = request.GET.get("show") == "done"
        todos = selectors.todos_of(self.institution, done=show_done)
        return self.render(
            "roles/todo_list.html", page=paginate(request, todos), show_done=show_done
        )


class TodoDoneView(InstitutionView):
    action = "todo.manage"

    def post(self, request, institution_id, pk):
        todo = get_object_or_404(TodoItem, pk=pk, institution=self.institution)
        if request.POST.get("reopen"):
            services.reopen_todo(todo=todo, by=request.user)
        else:
            services.complete_todo(todo=todo, by=request.user)
            messages.success(request, _("Marked as done: %(title)s") % {"title": todo.title})
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("roles:todos", args=[self.institution.pk])
        return HttpResponseRedirect(target)


# --- roster import ----------------------------------------------------------------------------


class RosterUploadView(InstitutionView):
    action = "roster.import"

    def get(self, request, institution_id):
        return self._page(RosterUploadForm())

    def post(self, request, institution_id):
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            roster_import = services.preview_roster_import(
                institution=self.institution,
                data=upload.read(),
                filename=upload.name,
                by=request.user,
            )
            return redirect(
                "roles:roster_import", institution_id=self.institution.pk, pk=roster_import.pk
            )
        return self._page(form)

    def _page(self, form):
        return self.render(
            "roles/roster_upload.html",
            form=form,
            imports=paginate(self.request, selectors.roster_imports_of(self.institution), 10),
        )


class RosterImportView(InstitutionView):
    action = "roster.import"

    def get(self, request, institution_id, pk):
        roster_import = self._get(pk)
        progress = services.roster_import_progress(roster_import)
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "status": roster_import.status,
                    "done": progress,
                    "total": roster_import.rows_total,
                }
            )
        return self.render(
            "roles/roster_import.html",
            roster_import=roster_import,
            progress=progress,
            in_progress=roster_import.status == RosterImportStatus.QUEUED,
        )

    def post(self, request, institution_id, pk):
        roster_import = self._get(pk)
        try:
            services.start_roster_import(
                roster_import=roster_import,
                by=request.user,
                confirm_leavers=bool(request.POST.get("confirm_leavers")),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect(
            "roles:roster_import", institution_id=self.institution.pk, pk=roster_import.pk
        )

    def _get(self, pk):
        return get_object_or_404(RosterImport, pk=pk, institution=self.institution)


class AuditListView(InstitutionView):
    action = "audit.view"

    def get(self, request, institution_id):
        audit_filter = AuditFilter(request.GET, queryset=selectors.audit_of(self.institution))
        return self.render(
            "roles/audit_list.html", filter=audit_filter, page=paginate(request, audit_filter.qs)
        )
