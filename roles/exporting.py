"""The export kit of the web pages: a list's «Скачать XLSX», «Скачать CSV» and «Печать».

- `ListExportView`: an institution page (`roles.web.InstitutionView`) whose `action` is the
  list's own, so an export is offered and served only to those who may see the list. It
  answers `fmt` = "xlsx", "csv" or "print" with every filtered row (not one page), from the one
  `table()` the subclass describes (`sferum_portal.exports.Table`), and writes the export of
  personal data to the audit log.
- `describe_filters(form)`: the filters applied, as "label: value" for the file's first rows
  and the printed page's header.

The files themselves are written by `sferum_portal.exports`; the URLs of a list are made with
`export_urls()`. Other apps' list pages use this kit as they use `roles.web`.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sferum_portal.exports import Table, csv_response, display_rows, file_name, xlsx_response

from .services import audit
from .web import InstitutionView

FORMATS = ("xlsx", "csv", "print")
FORMAT_LABELS = {"xlsx": "XLSX", "csv": "CSV", "print": gettext_lazy("print")}


def describe_filters(form) -> list[str]:
    """ "label: value" for every filter of a bound, valid form that has a value."""
    if form is None or not form.is_bound or not form.is_valid():
        return []
    described = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or value is False:
            continue
        field = form.fields[name]
        if isinstance(field, forms.ModelChoiceField):
            shown = str(value)
        elif isinstance(field, forms.ChoiceField):
            shown = str(dict(field.choices).get(value, value))
        elif isinstance(value, dt.date):
            shown = date_format(value, "SHORT_DATE_FORMAT")
        elif value is True:
            shown = _("yes")
        else:
            shown = str(value)
        label = str(field.label or name)
        described.append(f"{label[:1].upper()}{label[1:]}: {shown}")
    return described


class ListExportView(InstitutionView):
    """Every filtered row of a list as a workbook, a CSV file or a page to print."""

    fmt = "xlsx"
    # The file's name ("people" → people-2025-11-01.xlsx) and the audit action's prefix.
    export_name = "list"
    # Personal data (names of people): every export is in the audit log.
    personal = True
    print_template = "print_table.html"
    # The list's URL name (its page has the same filters): the printed page links back to it.
    list_url = ""

    def table(self) -> Table:
        raise NotImplementedError

    def new_table(self, title, columns, rows, *, filters=(), sheet="") -> Table:
        return Table(
            title=str(title),
            columns=columns,
            rows=rows,
            sheet=str(sheet),
            institution=self.institution.name,
            filters=filters,
            tz=self.institution.tzinfo,
        )

    def get(self, request, *args, **kwargs):
        if self.fmt not in FORMATS:
            raise Http404
        table = self.table()
        if self.personal:
            self.audit_export(table)
        return self.respond(table)

    def audit_export(self, table: Table) -> None:
        audit(
            institution=self.institution,
            actor=self.request.user,
            action=f"{self.export_name}.export",
            summary=_("Exported «%(title)s» (%(format)s)")
            % {"title": table.title, "format": FORMAT_LABELS[self.fmt]},
            data={"format": self.fmt, "filters": [str(f) for f in table.filters]},
        )

    def respond(self, table: Table):
        name = file_name(self.export_name, table.created)
        if self.fmt == "csv":
            return csv_response(table, name)
        if self.fmt == "print":
            numeric = [c.numeric for c in table.columns]
            rows = (list(zip(row, numeric, strict=False)) for row in display_rows(table))
            return self.render(
                self.print_template, table=table, rows=rows, back_url=self.back_url()
            )
        return xlsx_response(table, name)

    def back_url(self) -> str:
        if not self.list_url:
            return ""
        query = self.request.GET.urlencode()
        url = reverse(self.list_url, args=[self.institution.pk])
        return f"{url}?{query}" if query else url


def export_urls(route: str, view: type[ListExportView], name: str) -> list:
    """`<route>export.xlsx`, `<route>export.csv` and `<route>print/`, named `<name>_xlsx`,
    `<name>_csv` and `<name>_print`."""
    return [
        path(f"{route}export.xlsx", view.as_view(fmt="xlsx"), name=f"{name}_xlsx"),
        path(f"{route}export.csv", view.as_view(fmt="csv"), name=f"{name}_csv"),
        path(f"{route}print/", view.as_view(fmt="print"), name=f"{name}_print"),
    ]
