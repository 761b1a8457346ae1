"""The movement pages: one form per kind of movement (enrol, transfer, leave, change of role)
and the journal of movements."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import selectors, services
from ..filters import MovementFilter
from ..forms import ChangeRoleForm, DepartmentMembershipForm, EnrolForm, LeaveForm, TransferForm
from ..models import Membership, Person
from ..web import InstitutionView, paginate, show_as_message, show_on_form


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
                show_on_form(form, exc)
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


class AddToDepartmentView(InstitutionView):
    """The person's card: make a teacher a member of a department (no invitation needed)."""

    action = "movement.record"

    def post(self, request, institution_id, pk):
        person = self.get_person(pk)
        form = DepartmentMembershipForm(request.POST, person=person)
        if form.is_valid():
            department = form.cleaned_data["department"]
            try:
                services.add_to_department(person=person, department=department, by=request.user)
            except ValidationError as exc:
                show_as_message(request, exc)
            else:
                messages.success(
                    request,
                    _("%(person)s is a teacher of «%(unit)s» now.")
                    % {"person": person.short_name, "unit": department},
                )
        else:
            messages.error(request, _("Choose a department."))
        return redirect("roles:person", institution_id=self.institution.pk, pk=person.pk)


class DepartmentClassTeachersView(InstitutionView):
    """The department's page: make the teachers of its classes members of it, at once."""

    action = "movement.record"

    def post(self, request, institution_id, pk):
        department = self.get_unit(pk)
        try:
            added = services.add_class_teachers_to_department(
                department=department, by=request.user
            )
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            if added:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d teacher of its classes is a member of the department now.",
                        "%(count)d teachers of its classes are members of the department now.",
                        len(added),
                    )
                    % {"count": len(added)},
                )
            else:
                messages.info(request, _("Every teacher of its classes is a member already."))
        return redirect("roles:unit", institution_id=self.institution.pk, pk=department.pk)
