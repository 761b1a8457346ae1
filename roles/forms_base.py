"""Form scaffolding shared by every app's forms (so that no app imports another's forms)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from sferum_portal.editing import CONTROL


class CapitalisedLabelsMixin:
    """Labels are kept lower-case (as model field names are) and shown capitalised."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label:
                field.label = capfirst(field.label)


class PortalForm(CapitalisedLabelsMixin, forms.Form):
    pass


class PortalModelForm(CapitalisedLabelsMixin, forms.ModelForm):
    pass


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def single_line(value: str) -> None:
    """A title or a name: no line breaks, tabs or other control characters."""
    if CONTROL.search(value or ""):
        raise ValidationError(
            _("Write it on one line, without line breaks or tabs."), code="control_characters"
        )


class SingleLineField(forms.CharField):
    default_validators = [single_line]


def load_choices(form):
    """The choices of the form's model choice fields loaded now, once each: the template that
    shows the form then runs no query (a model choice field queries whenever it is drawn)."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field.widget.choices, list):
            # What the widget draws; the field still validates against its queryset. Not
            # list(): it asks the iterator's length first, a COUNT query of its own.
            field.widget.choices = [choice for choice in field.choices]  # noqa: C416
    return form
