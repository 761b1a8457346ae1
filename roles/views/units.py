"""The unit pages: the list, a unit with its members, creating, editing and archiving a unit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..filters import UnitFilter
from ..forms import UnitForm
from ..models import UnitKind
from ..web import InstitutionView, paginate, show_as_message, show_on_form


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
                show_on_form(form, exc)
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
            class_teachers_outside=services.class_teachers_outside(unit)
            if unit.kind == UnitKind.DEPARTMENT
            and not unit.is_archived
            and permissions.can(request.user, "movement.record", self.institution)
            else [],
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
                show_on_form(form, exc)
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
            show_as_message(request, exc)
        else:
            messages.success(
                request,
                _("«%(unit)s» archived; %(count)d memberships ended.")
                % {"unit": unit, "count": ended},
            )
        return redirect("roles:unit", institution_id=self.institution.pk, pk=unit.pk)
