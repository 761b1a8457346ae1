"""Forms: input parsing and field validation; business rules stay in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import documents, timezones
from .forms_base import DateInput, PortalForm, PortalModelForm
from .models import (
    ROLES_BY_PERSON_KIND,
    ROLES_BY_UNIT_KIND,
    Institution,
    Membership,
    Person,
    PersonKind,
    Role,
    Unit,
    UnitKind,
    normalize_search,
    validate_academic_year,
)
from .roster import FIELD_LABELS, FIELDS, IGNORED, column_name


def _timezone_choices():
    return timezones.choices()


class InstitutionForm(PortalModelForm):
    timezone = forms.ChoiceField(label=_("time zone"), choices=_timezone_choices)

    class Meta:
        model = Institution
        fields = [
            "name",
            "short_name",
            "address",
            "inn",
            "timezone",
            "usage_order_number",
            "usage_order_date",
            "usage_order_file",
        ]
        widgets = {"usage_order_date": DateInput()}
        help_texts = {
            "usage_order_number": _(
                "The order «On the use of the Sferum platform and the VK Messenger educational "
                "profile»."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_order_file"].help_text = order_file_help()

    def clean_usage_order_file(self):
        upload = self.cleaned_data.get("usage_order_file")
        if not upload or upload == self.instance.usage_order_file:
            return upload  # nothing new uploaded (or the file removed)
        return checked_order_file(upload)


def order_file_help() -> str:
    return _("PDF, JPEG, PNG, Word or OpenDocument, up to %(mb)d MB.") % {
        "mb": settings.ORDER_FILE_MAX_MB
    }


def checked_order_file(upload):
    """An uploaded order, by what its bytes are: a PDF, a picture or a document, named so."""
    if upload.size > settings.ORDER_FILE_MAX_MB * 1024 * 1024:
        raise forms.ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.ORDER_FILE_MAX_MB}
        )
    kind = documents.sniff(upload)
    if kind is None:
        raise forms.ValidationError(
            _(
                "This is not a PDF, a picture (JPEG, PNG) or a document (Word, "
                "OpenDocument): attach the order as one of these."
            )
        )
    # The stored name says what the file is, whatever it was called.
    stem = (upload.name.rsplit(".", 1)[0] or "order")[:100]
    upload.name = f"{stem}.{kind.extension}"
    return upload


class UnitForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[
            (UnitKind.DEPARTMENT, UnitKind.DEPARTMENT.label),
            (UnitKind.CLASS, UnitKind.CLASS.label),
        ],
    )
    name = forms.CharField(label=_("name"), max_length=200)
    academic_year = forms.CharField(
        label=_("academic year"),
        max_length=9,
        required=False,
        validators=[validate_academic_year],
        help_text=_("For a class, e.g. 2026/2027; the current year if left empty."),
    )
    parent = forms.ModelChoiceField(
        label=_("parent unit"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args, institution: Institution, unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Unit.objects.filter(institution=institution, archived_at__isnull=True).exclude(
            kind=UnitKind.STAFF_ROOM
        )
        if unit is not None:
            parents = parents.exclude(pk=unit.pk)
            del self.fields["kind"]
            if unit.kind != UnitKind.CLASS:
                del self.fields["academic_year"]
            if unit.is_staff_room:
                del self.fields["parent"]
        if "parent" in self.fields:
            self.fields["parent"].queryset = parents


class PersonForm(PortalModelForm):
    class Meta:
        model = Person
        fields = ["last_name", "first_name", "patronymic", "kind", "external_id", "email"]
        help_texts = {
            "external_id": _("The id in the school information system; used by the roster import."),
            "email": _("For staff and parents only: no contact data of students is kept."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A person's kind does not change; record a new person instead.
            del self.fields["kind"]


class MovementBaseForm(PortalForm):
    effective_date = forms.DateField(label=_("effective date"), widget=DateInput())
    order_number = forms.CharField(label=_("order number"), max_length=50, required=False)
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class EnrolForm(MovementBaseForm):
    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("role"), choices=())

    field_order = ["unit", "role", "effective_date", "order_number", "note"]

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        roles = ROLES_BY_PERSON_KIND[person.kind]
        kinds = [k for k, allowed in ROLES_BY_UNIT_KIND.items() if set(allowed) & set(roles)]
        self.fields["unit"].queryset = Unit.objects.filter(
            institution=person.institution, archived_at__isnull=True, kind__in=kinds
        )
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]


class DepartmentMembershipForm(forms.Form):
    """A department for a teacher to be a member of (the departments they are not in yet; the
    departments of their classes first)."""

    department = forms.ModelChoiceField(
        label=_("department"), queryset=Unit.objects.none(), empty_label=None
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        today = person.institution.local_today()
        held = Membership.objects.active(today).filter(person=person, role=Role.TEACHER)
        self.fields["department"].queryset = (
            Unit.objects.filter(
                institution=person.institution,
                kind=UnitKind.DEPARTMENT,
                archived_at__isnull=True,
            )
            .exclude(pk__in=held.values("unit_id"))
            .order_by("name")
        )
        suggested = (
            held.filter(unit__kind=UnitKind.CLASS, unit__parent__isnull=False)
            .exclude(unit__parent__in=held.values("unit_id"))
            .values_list("unit__parent_id", flat=True)
            .first()
        )
        if suggested is not None:
            self.fields["department"].initial = suggested


class TransferForm(MovementBaseForm):
    membership = forms.ModelChoiceField(label=_("from unit"), queryset=Membership.objects.none())
    to_unit = forms.ModelChoiceField(label=_("to unit"), queryset=Unit.objects.none())

    field_order = ["membership", "to_unit", "effective_date", "order_number", "note"]

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        current = person.memberships.filter(end_date__isnull=True).exclude(
            unit__kind=UnitKind.STAFF_ROOM
        )
        self.fields["membership"].queryset = current.select_related("unit")
        self.fields["membership"].label_from_instance = lambda m: (
            f"{m.unit} — {m.get_role_display()}"
        )
        self.fields["to_unit"].queryset = Unit.objects.filter(
            institution=person.institution, archived_at__isnull=True
        ).exclude(kind=UnitKind.STAFF_ROOM)


class ChangeRoleForm(MovementBaseForm):
    role = forms.ChoiceField(label=_("new role"), choices=())

    field_order = ["role", "effective_date", "order_number", "note"]

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(ROLES_BY_UNIT_KIND[membership.unit.kind]) & set(
            ROLES_BY_PERSON_KIND[membership.person.kind]
        )
        self.fields["role"].choices = [
            (r, Role(r).label) for r in Role.values if r in allowed and r != membership.role
        ]


class LeaveForm(MovementBaseForm):
    pass


class VerificationForm(PortalForm):
    approve = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("1", _("confirm «teacher» status")), ("0", _("reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("comment or reason"), max_length=500, required=False)


PHONE_HELP = _(
    "Personal data: kept only if you enter it, and used only in the application for "
    "registration on Sferum (regulation 2.1). Leave it empty to type it into the letter each time."
)


class AppointmentForm(PortalForm):
    person = forms.ModelChoiceField(label=_("staff member"), queryset=Person.objects.none())
    order_number = forms.CharField(label=_("order number"), max_length=50)
    order_date = forms.DateField(label=_("order date"), widget=DateInput())
    start_date = forms.DateField(
        label=_("from"), widget=DateInput(), required=False, help_text=_("Today if left empty.")
    )
    order_file = forms.FileField(label=_("order file"), required=False)
    contact_phone = forms.CharField(
        label=_("contact mobile phone for the registration application"),
        max_length=20,
        required=False,
        help_text=PHONE_HELP,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = candidates
        self.fields["order_file"].help_text = order_file_help()

    def clean_order_file(self):
        upload = self.cleaned_data.get("order_file")
        return checked_order_file(upload) if upload else None


class AppointmentDetailsForm(PortalForm):
    """The order's file and the contact phone of an appointment already recorded."""

    order_file = forms.FileField(label=_("order file"), required=False)
    remove_order_file = forms.BooleanField(label=_("remove the attached file"), required=False)
    contact_phone = forms.CharField(
        label=_("contact mobile phone for the registration application"),
        max_length=20,
        required=False,
        help_text=PHONE_HELP,
    )

    def __init__(self, *args, has_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_file"].help_text = order_file_help()
        if not has_file:
            del self.fields["remove_order_file"]

    def clean_order_file(self):
        upload = self.cleaned_data.get("order_file")
        return checked_order_file(upload) if upload else None


class EndAppointmentForm(PortalForm):
    end_date = forms.DateField(
        label=_("ended on"), widget=DateInput(), required=False, help_text=_("Today if left empty.")
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class RosterUploadForm(PortalForm):
    file = forms.FileField(
        label=_("roster file"),
        help_text=_(
            "The list as your information system exports it: Excel .xlsx or CSV (UTF-8, "
            "Windows-1251, KOI8-R or UTF-16; comma, semicolon or tab)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        limit = settings.ROSTER_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit}
            )
        return upload


class RosterMappingForm(PortalForm):
    """What each column of an uploaded roster is (a field or «do not import»), the kind of people
    of a file without a kind column, and whether it is the complete list of them."""

    kind = forms.ChoiceField(
        label=_("kind of people in the file"),
        required=False,
        help_text=_("For a file without a kind column (and for its rows whose kind is empty)."),
    )
    complete = forms.BooleanField(
        label=_(
            "This file is the complete list of these people: whoever of them is missing from it "
            "has left the institution"
        ),
        required=False,
        help_text=_(
            "Leave it unticked to add and update people only; nobody is then recorded as leaving."
        ),
    )

    def __init__(self, *args, headers: list[str], mapping: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("as the kind column says")), *PersonKind.choices]
        self.headers = headers
        choices = [(field, capfirst(FIELD_LABELS[field])) for field in FIELDS]
        choices.append((IGNORED, capfirst(FIELD_LABELS[IGNORED])))
        for index, current in enumerate(mapping):
            name = column_name(headers, index)
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=name,
                choices=choices,
                initial=current,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def column_fields(self) -> list:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    @property
    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}") or IGNORED for i in range(len(self.headers))]


class GuardianLinkForm(PortalForm):
    student = forms.CharField(
        label=_("child"),
        max_length=300,
        help_text=_("The child's external id or full name as on the roster."),
    )

    def __init__(self, *args, parent: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent

    def clean_student(self):
        value = self.cleaned_data["student"].strip()
        students = Person.objects.filter(
            institution=self.parent.institution, kind=PersonKind.STUDENT
        )
        found = list(students.filter(external_id=value)[:2])
        if not found:
            found = list(students.filter(search_key__startswith=normalize_search(value))[:2])
        if not found:
            raise forms.ValidationError(_("No student with this external id or name."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several students match; enter the external id instead."))
        return found[0]
