"""The roster pages: the list of people, a person's card, adding and editing a person, linking
a parent to a child, and the admin's decision on a teacher's «учитель» status.

Movements of a person (enrol, transfer, leave, change of role) are `movement`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..filters import PersonFilter
from ..forms import DepartmentMembershipForm, GuardianLinkForm, PersonForm, VerificationForm
from ..forms_base import load_choices
from ..models import Person, PersonKind
from ..signals import person_page_sections
from ..web import InstitutionView, paginate, show_as_message, show_on_form


class PersonListView(InstitutionView):
    action = "people.view"

    def get(self, request, institution_id):
        person_filter = PersonFilter(
            request.GET,
            queryset=selectors.people_of(self.institution),
            institution=self.institution,
        )
        load_choices(person_filter.form)
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
                show_on_form(form, exc)
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
        can_record = permissions.can(request.user, "movement.record", self.institution)
        is_staff = person.kind == PersonKind.STAFF
        # Only a parent has children and only a student parents (`link_guardian`); only staff
        # are appointed admins or made teachers of a department.
        department_form = None
        if is_staff and can_record and not person.left_on:
            department_form = load_choices(DepartmentMembershipForm(person=person))
        return self.render(
            "roles/person_detail.html",
            person=person,
            # Loaded here: the template runs no query.
            memberships=list(selectors.person_memberships(person)),
            movements=list(selectors.person_movements(person)),
            appointments=list(person.admin_appointments.all()) if is_staff else [],
            guardians=list(person.guardians.all()) if person.kind == PersonKind.STUDENT else [],
            children=list(person.children.all()) if person.kind == PersonKind.PARENT else [],
            can_manage=permissions.can(request.user, "people.manage", self.institution),
            can_record=can_record,
            can_verify=permissions.can(request.user, "teacher.verify", self.institution),
            verification_form=VerificationForm(),
            department_form=department_form,
            guardian_form=GuardianLinkForm(parent=person),
            # What the other apps show about the person (sign-in links), as rendered HTML.
            sections=[
                html
                for _receiver, html in person_page_sections.send(
                    sender=Person, request=request, person=person, institution=self.institution
                )
                if html
            ],
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
                show_on_form(form, exc)
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
                show_as_message(request, exc)
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
                show_as_message(request, exc)
            else:
                messages.success(request, _("The decision is recorded."))
        else:
            messages.error(request, _("Choose a decision."))
        return redirect("roles:person", institution_id=self.institution.pk, pk=person.pk)
