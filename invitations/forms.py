"""Forms of the invitation pages; the rules themselves live in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from roles.forms_base import PortalForm, PortalModelForm
from roles.models import (
    ROLES_BY_UNIT_KIND,
    SFERUM_ROLE,
    Person,
    Role,
    Unit,
    UnitKind,
    normalize_search,
)

from .models import MAX_TTL_DAYS, InvitationPolicy, Status

LINK_KINDS = [
    ("single", _("single use")),
    ("several", _("several uses")),
    ("unlimited", _("unlimited (a link for the whole class)")),
]


class PersonChoiceField(forms.ModelChoiceField):
    """A person with the classes where they wait to join, so that namesakes are told apart."""

    def label_from_instance(self, obj) -> str:
        units = ", ".join(str(m.unit) for m in getattr(obj, "waiting_in", []))
        return f"{obj.full_name} — {units}" if units else obj.full_name


def role_choice_label(role: str) -> str:
    """«директор (в «Сферуме» — «учитель»)»: the portal's role and, where it differs, the one
    Sferum shows (regulation 2.2: the administration joins «Учительская» as «учитель»)."""
    label = str(Role(role).label)
    if SFERUM_ROLE.get(role, role) == role:
        return label
    return _("%(role)s (in Sferum: «%(sferum)s»)") % {
        "role": label,
        "sferum": Role(SFERUM_ROLE[role]).label,
    }


def roles_by_unit_help(roles) -> str:
    """Which of these roles each kind of unit takes: «Учительская: …; отдел: …; класс: …»."""
    parts = []
    for kind, allowed in ROLES_BY_UNIT_KIND.items():
        here = [str(Role(r).label) for r in allowed if r in roles]
        if here:
            parts.append(f"{UnitKind(kind).label}: {', '.join(here)}")
    return "; ".join(parts) + "." if parts else ""


class InvitationForm(PortalForm):
    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    person = forms.CharField(
        label=_("roster person (for a personal link)"),
        required=False,
        max_length=300,
        help_text=_("External id or full name; leave empty for a link that anyone may use."),
    )
    email = forms.EmailField(
        label=_("send to e-mail"), required=False, help_text=_("Not for students.")
    )
    link_kind = forms.ChoiceField(label=_("uses"), choices=LINK_KINDS, initial="single")
    max_uses = forms.IntegerField(
        label=_("number of uses"), min_value=2, max_value=10_000, required=False
    )
    valid_days = forms.IntegerField(label=_("valid for, days"), min_value=1, max_value=MAX_TTL_DAYS)
    needs_approval = forms.BooleanField(
        label=_("joining by a class link needs approval"),
        required=False,
        initial=True,
        help_text=_("For students and parents joining by a link for the whole class."),
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(
        self,
        *args,
        units,
        institution,
        default_days: int,
        roles=None,
        people=None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.fields["unit"].queryset = units
        self.fields["valid_days"].initial = default_days
        if roles is not None:
            self.fields["role"].choices = [(r, role_choice_label(r)) for r in roles]
            self.fields["role"].help_text = roles_by_unit_help(roles)
        if people is not None:
            # Who does not manage links (a teacher) chooses among the people they may invite
            # (selectors.people_for_personal_links): no search over the roster, no name revealed.
            self.fields["person"] = PersonChoiceField(
                label=_("roster person (for a personal link)"),
                queryset=people,
                required=False,
                empty_label=_("— nobody: a link that anyone may use —"),
                help_text=_(
                    "Students and parents of your classes who have not joined yet; leave empty "
                    "for a link that anyone may use."
                ),
            )

    def clean_person(self):
        value = self.cleaned_data["person"]
        if not isinstance(value, str):
            return value  # chosen from the list (or none)
        value = value.strip()
        if not value:
            return None
        people = Person.objects.filter(institution=self.institution)
        found = list(people.filter(external_id=value)[:2]) or list(
            people.filter(search_key__startswith=normalize_search(value))[:2]
        )
        if not found:
            raise forms.ValidationError(_("Nobody on the roster has this external id or name."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several people match; enter the external id."))
        return found[0]

    def clean(self):
        data = super().clean()
        kind = data.get("link_kind")
        if data.get("person") is not None or kind == "single":
            data["max_uses"] = 1
        elif kind == "unlimited":
            data["max_uses"] = None
        elif not data.get("max_uses"):
            self.add_error("max_uses", _("How many times may the link be used?"))
        if data.get("valid_days"):
            data["expires_at"] = timezone.now() + dt.timedelta(days=data["valid_days"])
        return data


# How long the links of a printed sheet stay valid: a sheet handed out at a parents' meeting
# must outlast the week of an e-mailed link. At most MAX_TTL_DAYS.
SHEET_DAYS = (14, 30, 60, MAX_TTL_DAYS)
SHEET_DEFAULT_DAYS = 30


class BulkLinksForm(PortalForm):
    unit = forms.ModelChoiceField(label=_("class"), queryset=Unit.objects.none())
    role = forms.ChoiceField(
        label=_("for"),
        choices=[(Role.STUDENT, _("students")), (Role.PARENT, _("parents"))],
    )
    valid_days = forms.TypedChoiceField(
        label=_("valid for"),
        coerce=int,
        initial=SHEET_DEFAULT_DAYS,
        required=False,
        empty_value=SHEET_DEFAULT_DAYS,
        help_text=_("A sheet handed out at a meeting: 30 days is usual."),
    )

    def __init__(self, *args, units, default_days: int = 7, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.filter(kind=UnitKind.CLASS)
        days = sorted({default_days, *SHEET_DAYS})
        self.fields["valid_days"].choices = [
            (
                n,
                ngettext("%(days)d day", "%(days)d days", n) % {"days": n}
                + (" " + str(_("(as links sent by e-mail)")) if n == default_days else ""),
            )
            for n in days
            if n <= MAX_TTL_DAYS
        ]

    def clean(self):
        data = super().clean()
        days = data.get("valid_days") or SHEET_DEFAULT_DAYS
        data["expires_at"] = timezone.now() + dt.timedelta(days=days)
        return data


class InvitationFilterForm(PortalForm):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("all")), *Status.choices], required=False
    )
    unit = forms.ModelChoiceField(
        label=_("unit"), queryset=Unit.objects.none(), required=False, empty_label=_("all")
    )
    role = forms.ChoiceField(
        label=_("role"), choices=[("", _("all")), *Role.choices], required=False
    )
    creator = forms.CharField(label=_("created by"), required=False, max_length=150)
    q = forms.CharField(label=_("search"), required=False, max_length=150)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(institution=institution)
        for field in self.fields.values():
            css = "form-select" if hasattr(field.widget, "choices") else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"


class CandidateField(forms.ModelChoiceField):
    """A roster person the request may be: a namesake and a login are said in the label."""

    def __init__(self, *args, **kwargs):
        self.matching: set[int] = set()
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        notes = []
        if obj.pk in self.matching:
            notes.append(str(_("same name")))
        if obj.user_id:
            notes.append(str(_("has joined: approving moves their login to this request")))
        return f"{obj.full_name} ({'; '.join(notes)})" if notes else obj.full_name


class JoinRequestDecisionForm(PortalForm):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("approve")), ("reject", _("reject"))],
        widget=forms.RadioSelect,
    )
    person = CandidateField(
        label=_("this is"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("a new person — add to the roster"),
    )
    confirm_new = forms.BooleanField(
        label=_("a different person with the same name: add a new one to the roster"),
        required=False,
        help_text=_(
            "Needed to approve as a new person while somebody of the class bears the name."
        ),
    )
    reason = forms.CharField(label=_("reason for a rejection"), max_length=500, required=False)

    def __init__(self, *args, candidates, matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = candidates
        self.fields["person"].matching = {p.pk for p in matches}
        if matches:
            # The namesake is pre-selected: approving as a new person is an explicit choice.
            self.fields["person"].initial = matches[0].pk
        else:
            del self.fields["confirm_new"]


class PolicyForm(PortalModelForm):
    class Meta:
        model = InvitationPolicy
        fields = ["default_ttl_days", "unclaimed_after_days"]


# --- the landing page -------------------------------------------------------------------------


class SignupForm(UserCreationForm):
    first_name = forms.CharField(label=_("first name"), max_length=150)
    last_name = forms.CharField(label=_("last name"), max_length=150)
    # Kept on the roster person (the login has no such field), so that a new teacher is
    # «Петрова Нина Сергеевна», «Петрова Н.С.», not «Петрова Нина».
    patronymic = forms.CharField(label=_("patronymic"), max_length=150, required=False)
    email = forms.EmailField(label=_("e-mail"))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("last_name", "first_name", "patronymic", "email", "username")

    field_order = ["last_name", "first_name", "patronymic", "email", "username"]


class JoinRequestForm(PortalForm):
    last_name = forms.CharField(label=_("last name"), max_length=150)
    first_name = forms.CharField(label=_("first name"), max_length=150)
    patronymic = forms.CharField(label=_("patronymic"), max_length=150, required=False)
    child_name = forms.CharField(
        label=_("your child's last and first name"), max_length=300, required=False
    )
    email = forms.EmailField(
        label=_("e-mail for the answer"),
        required=False,
        help_text=_("Optional: we write when the request is decided."),
    )

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        if role == Role.PARENT:
            self.fields["child_name"].required = True
        else:
            # Nothing but the name is kept about a student.
            del self.fields["child_name"]
            del self.fields["email"]
