"""Forms of the channels, posts, events and support pages; rules stay in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from roles.forms_base import DateInput, PortalForm, PortalModelForm, SingleLineField, load_choices
from roles.models import Person, PersonKind, Role, Unit, UnitKind

from .models import (
    Channel,
    EventFormat,
    EventKind,
    EventStatus,
    PostState,
    SupportRequest,
    SupportStatus,
)


class FilterForm(PortalForm):
    """A small GET form above a list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if hasattr(field.widget, "choices") else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ChannelForm(PortalModelForm):
    link = forms.URLField(
        label=_("link to the channel"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("The channel's address in the messenger, e.g. https://max.ru/…"),
    )

    class Meta:
        model = Channel
        fields = ["name", "platform", "link", "audience", "description"]


class AuthorForm(PortalForm):
    person = forms.ModelChoiceField(label=_("staff member"), queryset=Person.objects.none())

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            institution=institution, kind=PersonKind.STAFF, left_on__isnull=True
        ).order_by("last_name", "first_name")


class PostForm(PortalForm):
    channel = forms.ModelChoiceField(label=_("channel"), queryset=Channel.objects.none())
    title = SingleLineField(label=_("title"), max_length=200)
    body = forms.CharField(
        label=_("text"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text; an empty line starts a new paragraph. Up to 4,000 characters."),
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(
            institution=institution, archived_at__isnull=True
        ).order_by("name")


class CommentForm(PortalForm):
    comment = forms.CharField(
        label=_("comment for the author"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScheduleForm(PortalForm):
    publish_at = forms.DateTimeField(
        label=_("publish at"),
        widget=DateTimeInput(),
        help_text=_("In the institution's time zone."),
    )


class PostLinkForm(PortalForm):
    link = forms.URLField(
        label=_("link to the message in the Sferum channel"),
        max_length=500,
        assume_scheme="https",
    )


class PostFilterForm(FilterForm):
    state = forms.ChoiceField(
        label=_("state"),
        choices=[("", pgettext_lazy("post state", "any"))] + PostState.choices,
        required=False,
    )


class FeedFilterForm(FilterForm):
    channel = forms.ModelChoiceField(
        label=_("channel"), queryset=Channel.objects.none(), required=False, empty_label=_("all")
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels
        # The choices loaded now, once: the page that shows the form runs no query.
        load_choices(self)
        self.channel_list = [
            value.instance for value, _label in self.fields["channel"].widget.choices if value
        ]


class EventForm(PortalForm):
    kind = forms.ChoiceField(label=_("kind"), choices=EventKind.choices)
    title = SingleLineField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    starts_at = forms.DateTimeField(label=_("starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(
        label=_("ends"), widget=DateTimeInput(), help_text=_("In the institution's time zone.")
    )
    format = forms.ChoiceField(label=_("format"), choices=EventFormat.choices)
    place = forms.CharField(
        label=_("place"),
        max_length=300,
        required=False,
        help_text=_("For a hybrid event: the room or the address."),
    )
    host = forms.ModelChoiceField(
        label=_("host"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("None chosen: you."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("None chosen: the whole institution."),
    )
    roles = forms.MultipleChoiceField(
        label=_("roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "None chosen: by kind (seminars: teachers; meetings: the administration; "
            "lessons: students; broadcasts: everyone)."
        ),
    )
    meeting_link = forms.URLField(
        label=_("meeting link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("The broadcast's or the call's address, e.g. https://sferum.ru/?call_link=…"),
    )

    def __init__(self, *args, institution, kinds, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in EventKind.choices if c[0] in kinds]
        if editing:
            del self.fields["kind"]
        self.fields["units"].queryset = units
        self.fields["host"].queryset = Person.objects.filter(
            institution=institution, kind=PersonKind.STAFF, left_on__isnull=True
        ).order_by("last_name", "first_name")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event ends before it starts: check the times."))
        return data


class HeldEventRecordForm(EventForm):
    """An event held without being planned in the portal, recorded after the fact."""

    attendance_count = forms.IntegerField(
        label=_("how many took part"), min_value=0, max_value=100_000
    )
    recording_link = forms.URLField(
        label=_("recording"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("The address of the recording, if it was recorded."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = _("When it began (in the past).")
        self.fields["ends_at"].help_text = _("When it ended, in the institution's time zone.")
        self.fields["meeting_link"].help_text = _("The address the call or broadcast had, if any.")


class CancelEventForm(PortalForm):
    reason = forms.CharField(label=_("reason"), max_length=500)


class HeldEventForm(PortalForm):
    attendance_count = forms.IntegerField(
        label=_("how many took part"), min_value=0, max_value=100_000
    )
    recording_link = forms.URLField(
        label=_("recording"), max_length=500, required=False, assume_scheme="https"
    )


class EventFilterForm(FilterForm):
    PERIODS = [("upcoming", _("upcoming")), ("past", _("past")), ("all", _("all"))]
    period = forms.ChoiceField(label=_("period"), choices=PERIODS, required=False)
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("any"))] + EventKind.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("any"))] + EventStatus.choices, required=False
    )


class SupportRequestForm(PortalModelForm):
    class Meta:
        model = SupportRequest
        fields = ["subject", "description", "status", "sent_on", "ticket_number", "resolution"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
            "sent_on": DateInput(),
        }
        help_texts = {
            "ticket_number": _("The number support gave in its reply, if any."),
        }

    def clean(self):
        # The same rules as the service's, on the fields, before the model's constraint speaks.
        data = super().clean()
        status = data.get("status")
        if status and status != SupportStatus.DRAFT and not data.get("sent_on"):
            self.add_error("sent_on", _("Enter the date the request was sent."))
        if status == SupportStatus.RESOLVED and not (data.get("resolution") or "").strip():
            self.add_error("resolution", _("Describe how the problem was solved."))
        return data


class SupportFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("any"))] + SupportStatus.choices, required=False
    )


class ApplicationForm(PortalForm):
    phone = forms.RegexField(
        label=_("administrator's personal mobile phone"),
        regex=r"^\+?[0-9 ()\-]{10,20}$",
        required=False,
        error_messages={"invalid": _("Enter the phone as +7 900 000-00-00.")},
        help_text=_(
            "Sent to the portal only with this form and not stored: it goes only into the "
            "letter below. To keep it, enter it in the appointment (Structure → Administrators)."
        ),
    )


def lesson_units(user, institution, *, any_class: bool):
    """Classes a lesson may be planned for: the teacher's own (the admin: any open class)."""
    from roles.permissions import member_unit_ids

    qs = Unit.objects.filter(institution=institution, archived_at__isnull=True)
    if any_class:
        return qs.order_by("kind", "name")
    own = member_unit_ids(user, institution, roles=[Role.TEACHER])
    return qs.filter(pk__in=own, kind=UnitKind.CLASS).order_by("name")
