from django import forms
from django.utils.translation import gettext_lazy as _

from roles.forms_base import PortalForm
from roles.models import Person, PersonKind, Unit, UnitKind

from .models import Chat, ChatKind, Platform
from .services.memberlist import read_member_file


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
    unit = forms.ModelChoiceField(
        label=_("unit"), queryset=Unit.objects.none(), required=False, empty_label=_("all")
    )
    owner = forms.ModelChoiceField(
        label=_("owner"), queryset=Person.objects.none(), required=False, empty_label=_("all")
    )
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


class MemberListForm(PortalForm):
    """A member list pasted from the messenger's members screen, or uploaded as a file."""

    MAX_FILE_BYTES = 1_000_000

    text = forms.CharField(
        label=_("member list"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "In the messenger: the chat → members → select the whole list and copy it. Roles, "
            "«вы», online marks and counters are left out by themselves."
        ),
    )
    file = forms.FileField(
        label=_("or a file (.txt, .csv)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.csv,text/plain,text/csv"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if not upload.name.lower().endswith((".txt", ".csv")):
                raise forms.ValidationError({"file": _("Upload a .txt or .csv file.")})
            if upload.size > self.MAX_FILE_BYTES:
                raise forms.ValidationError({"file": _("The file is too large.")})
            data["text"] = read_member_file(upload.read(), upload.name)
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Paste the member list or choose a file."))
        return data


class MemberDecisionForm(PortalForm):
    """Who an ambiguous member is: one of the candidates, someone else, or nobody of ours."""

    NOBODY = "nobody"

    person = forms.ChoiceField(label=_("this member is"), widget=forms.RadioSelect)

    def __init__(self, *args, candidates, others, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), p.full_name) for p in candidates]
        shown = {p.pk for p in candidates}
        for person in others:
            if person.pk not in shown:
                shown.add(person.pk)
                choices.append((str(person.pk), person.full_name))
        choices.append((self.NOBODY, _("not on the roster")))
        self.fields["person"].choices = choices


class BotTokenForm(PortalForm):
    token = forms.CharField(
        label=_("token of the institution's MAX bot"),
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Create the bot on MAX's business platform, copy its token and paste it here. The "
            "portal never shows it again."
        ),
    )


class BotChatMatchForm(PortalForm):
    chat = forms.ModelChoiceField(
        label=_("registered chat"), queryset=Chat.objects.none(), required=False
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chat"].queryset = Chat.objects.filter(
            institution=institution, platform=Platform.MAX, archived_at__isnull=True
        )
        self.fields["chat"].widget.attrs["class"] = "form-select form-select-sm"
