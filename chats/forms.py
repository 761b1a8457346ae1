from django import forms
from django.utils.translation import gettext_lazy as _

from roles.forms_base import PortalForm
from roles.models import Person, PersonKind, Unit, UnitKind

from .models import ChatKind, Platform


class ChatForm(PortalForm):
    kind = forms.ChoiceField(label=_("kind"), choices=ChatKind.choices)
    unit = forms.ModelChoiceField(
        label=_("class or department"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("For the chats of a class or department, and optionally for other chats."),
    )
    title = forms.CharField(label=_("title"), max_length=200)
    platform = forms.ChoiceField(label=_("messenger"), choices=Platform.choices)
    link = forms.URLField(
        label=_("invitation link of the chat"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "In the messenger: the chat's settings → «Invitation link» → copy. "
            "E.g. https://vk.me/join/… or https://max.ru/join/…"
        ),
    )
    member_count = forms.IntegerField(
        label=_("members now"), min_value=0, max_value=100_000, required=False
    )
    owner = forms.ModelChoiceField(label=_("owner"), queryset=Person.objects.none(), required=False)

    def __init__(
        self,
        *args,
        institution,
        can_set_owner: bool,
        editing: bool = False,
        link_hidden: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if link_hidden:
            self.fields["link"].required = False
            self.fields["link"].help_text = _(
                "The current link is not shown to you. Leave the field empty to keep it."
            )
        self.fields["unit"].queryset = Unit.objects.filter(
            institution=institution, archived_at__isnull=True
        ).exclude(kind=UnitKind.STAFF_ROOM)
        if can_set_owner:
            self.fields["owner"].queryset = Person.objects.filter(
                institution=institution, kind=PersonKind.STAFF, left_on__isnull=True
            )
        else:
            del self.fields["owner"]
        if editing:
            del self.fields["kind"]


class BoardFilterForm(PortalForm):
    scope = forms.ChoiceField(
        label=_("show"),
        required=False,
        choices=[
            ("", _("everything")),
            ("institution", _("the institution's chats")),
            (UnitKind.CLASS, _("classes")),
            (UnitKind.DEPARTMENT, _("departments")),
        ],
    )
    gaps = forms.BooleanField(label=_("only gaps"), required=False)
    # Chosen from the list of who has missing chats (a select of every teacher would make the
    # page grow with the staff).
    teacher = forms.ModelChoiceField(
        label=_("teacher"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Person.objects.filter(
            institution=institution, kind=PersonKind.STAFF
        )
        for name, field in self.fields.items():
            if name not in ("gaps", "teacher"):
                css = "form-select" if hasattr(field.widget, "choices") else "form-control"
                field.widget.attrs["class"] = f"{css} form-control-sm"


class RegistryFilterForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("all")), *ChatKind.choices], required=False
    )
    platform = forms.ChoiceField(
        label=_("messenger"), choices=[("", _("all")), *Platform.choices], required=False
    )
    unit = forms.ModelChoiceField(label=_("unit"), queryset=Unit.objects.none(), required=False)
    owner = forms.ModelChoiceField(label=_("owner"), queryset=Person.objects.none(), required=False)
    state = forms.ChoiceField(
        label=_("state"),
        required=False,
        choices=[
            ("", _("in use")),
            ("no_owner", _("needs a new owner")),
            ("archived", _("archived")),
        ],
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(institution=institution)
        self.fields["owner"].queryset = Person.objects.filter(
            institution=institution, kind=PersonKind.STAFF
        )
        for field in self.fields.values():
            css = "form-select" if hasattr(field.widget, "choices") else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"
