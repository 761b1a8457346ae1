import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .audit_actions import SECTIONS
from .models import (
    AuditEvent,
    Movement,
    MovementKind,
    Person,
    PersonKind,
    Role,
    Unit,
    UnitKind,
    in_force,
    normalize_search,
    on_roster,
)


class PortalFilterSet(django_filters.FilterSet):
    """Filter forms styled for Bootstrap without a template per form."""

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            css = "form-select" if hasattr(field.widget, "choices") else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-sm")
            if isinstance(field, forms.DateField):
                field.widget.input_type = "date"
        return form


class PersonFilter(PortalFilterSet):
    q = django_filters.CharFilter(label=_("search"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=PersonKind.choices, empty_label=_("all")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("unit"), queryset=Unit.objects.none(), method="in_unit", empty_label=_("all")
    )
    role = django_filters.ChoiceFilter(
        label=_("role"), choices=Role.choices, method="with_role", empty_label=_("all")
    )
    status = django_filters.ChoiceFilter(
        label=_("status"),
        choices=[("current", _("current")), ("left", pgettext_lazy("people filter", "left"))],
        method="by_status",
        empty_label=_("all"),
    )

    class Meta:
        model = Person
        fields = ["q", "kind", "unit", "role", "status"]

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.filters["unit"].queryset = Unit.objects.filter(
            institution=institution, archived_at__isnull=True
        )

    def search(self, queryset, name, value):
        for word in normalize_search(value).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset

    def _in_force(self):
        return in_force(self.institution.local_today(), "memberships__")

    def in_unit(self, queryset, name, value):
        return queryset.filter(self._in_force() & Q(memberships__unit=value)).distinct()

    def with_role(self, queryset, name, value):
        if value == Role.ADMIN:
            return queryset.filter(admin_appointments__end_date__isnull=True).distinct()
        return queryset.filter(self._in_force() & Q(memberships__role=value)).distinct()

    def by_status(self, queryset, name, value):
        current = on_roster(self.institution.local_today())
        return queryset.filter(current if value == "current" else ~current)


class UnitFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=UnitKind.choices, empty_label=_("all")
    )
    q = django_filters.CharFilter(label=_("name"), field_name="name", lookup_expr="icontains")
    archived = django_filters.BooleanFilter(
        label=_("archived"),
        field_name="archived_at",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.Select(choices=[("", _("all")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = Unit
        fields = ["kind", "q", "archived"]


class MovementFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=MovementKind.choices, empty_label=_("all")
    )
    since = django_filters.DateFilter(
        label=pgettext_lazy("date range", "from"), field_name="effective_date", lookup_expr="gte"
    )
    until = django_filters.DateFilter(
        label=pgettext_lazy("date range", "to"), field_name="effective_date", lookup_expr="lte"
    )

    class Meta:
        model = Movement
        fields = ["kind", "since", "until"]


class AuditFilter(PortalFilterSet):
    action = django_filters.ChoiceFilter(
        label=_("section"), choices=SECTIONS, method="in_section", empty_label=_("all")
    )

    class Meta:
        model = AuditEvent
        fields = ["action"]

    def in_section(self, queryset, name, value):
        if value == "export":
            return queryset.filter(action__endswith=".export")
        return queryset.filter(action__startswith=value)
