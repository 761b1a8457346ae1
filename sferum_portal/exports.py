"""Lists as files a school opens in Excel, LibreOffice, МойОфис or Р7, from one description.

- `Column(title, kind)` and `Table(title, columns, rows, ...)`: what a list is, whatever the
  format. Kinds: `TEXT`, `INTEGER`, `DECIMAL`, `DATE`, `DATETIME`, `BOOLEAN`. `rows` is any
  iterable of sequences, read once (a queryset's `iterator()`), so that thousands of rows are
  never all in memory.
- `xlsx_response(tables, name)`: a workbook, one sheet per table: the title, the institution,
  the filters and the moment of the export in the first rows (and the file's properties), then
  a bold, frozen header with an autofilter, widths fitted to the content, real numbers, dates
  and booleans, printed on A4 fitted to the page's width with the header on every page.
- `csv_response(table, name)`: one table per file, UTF-8 with a byte-order mark and `;` (what
  a Russian Excel opens with a double click), dates as 01.11.2025, decimals with a comma.
- `display_rows(table)`: the same cells as text for a page that prints (`print_table.html`).
- Never a formula: text that a spreadsheet would run (=, +, -, @) is kept as text — in XLSX a
  string cell with Excel's quote prefix, in CSV with a leading apostrophe (`safe_cell`).

Files are written to a temporary file (XLSX: openpyxl's write-only mode) and streamed from
there. This module imports no app: the apps describe their lists, this writes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT, INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN = (
    "text",
    "integer",
    "decimal",
    "date",
    "datetime",
    "boolean",
)
KINDS = (TEXT, INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN)
NUMERIC = (INTEGER, DECIMAL)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Widths are fitted to the header and the first rows; a long text wraps past this width.
SAMPLE_ROWS = 300
MIN_WIDTH, MAX_WIDTH = 6, 60
# Rows above the header in a workbook: title, institution, filters and moment, a blank line.
TITLE_ROWS = 4
CSV_SPOOL_BYTES = 4 * 1024 * 1024
# Control characters that XML 1.0 (and so XLSX) cannot hold.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value):
    """Text that a spreadsheet would take for a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class SafeCsvWriter:
    """A semicolon CSV for Excel whose cells are never run as formulas."""

    def __init__(self, stream):
        self._writer = csv.writer(stream, delimiter=";")

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = TEXT

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class Table:
    """One list: its title, columns and rows, and what the reader must know about it."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    # The sheet's name in a workbook (at most 31 characters); the title by default.
    sheet: str = ""
    institution: str = ""
    # The filters applied, as "label: value" texts; none: every row.
    filters: Sequence[str] = ()
    # Datetimes are shown in this zone (the institution's); the current zone by default.
    tz: dt.tzinfo | None = None
    created: dt.datetime = field(default_factory=timezone.now)

    def __post_init__(self):
        self.columns = [c if isinstance(c, Column) else Column(c) for c in self.columns]
        if self.tz is None:
            self.tz = timezone.get_current_timezone()

    @property
    def headers(self) -> list[str]:
        return [str(c.title) for c in self.columns]

    @property
    def created_local(self) -> dt.datetime:
        return timezone.localtime(self.created, self.tz)

    @property
    def filters_text(self) -> str:
        return "; ".join(str(f) for f in self.filters) if self.filters else _("none (every row)")

    @property
    def subtitle(self) -> str:
        """The filters and the moment, as the third line of a workbook and a printed page."""
        return _("Filters: %(filters)s. Exported on %(when)s.") % {
            "filters": self.filters_text,
            "when": self.created_local.strftime("%d.%m.%Y %H:%M"),
        }


# --- values by kind ----------------------------------------------------------------------------


def _local_naive(value: dt.datetime, tz) -> dt.datetime:
    if timezone.is_aware(value):
        value = value.astimezone(tz)
    return value.replace(tzinfo=None, microsecond=0)


def _text(value) -> str:
    return ILLEGAL_XML.sub("", str(value))


def _yes_no(value: bool) -> str:
    return pgettext("export", "yes") if value else pgettext("export", "no")


def display(value, kind: str, tz) -> str:
    """A cell as a person reads it: 01.11.2025, 01.11.2025 14:30, 12,5, да."""
    if value is None or value == "":
        return ""
    if kind == DATETIME and isinstance(value, dt.datetime):
        return _local_naive(value, tz).strftime("%d.%m.%Y %H:%M")
    if kind == DATE and isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if kind == BOOLEAN:
        return _yes_no(bool(value))
    if kind == DECIMAL and isinstance(value, int | float):
        return f"{value:.1f}".replace(".", ",")
    return _text(value)


def display_rows(table: Table) -> Iterator[list[str]]:
    """The rows as text, for a page that prints (read once, like `table.rows`)."""
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        yield [display(v, k, table.tz) for v, k in zip(row, kinds, strict=False)]


# --- CSV -----------------------------------------------------------------------------------------


def csv_file(table: Table):
    """The table as a CSV file (positioned at its start): UTF-8 with BOM, `;`, one table."""
    # Closed by the response once it is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=CSV_SPOOL_BYTES)  # noqa: SIM115
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    text.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark
    writer = SafeCsvWriter(text)
    writer.writerow(table.headers)
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        writer.writerow(
            [
                v if k == INTEGER and isinstance(v, int) else display(v, k, table.tz)
                for v, k in zip(row, kinds, strict=False)
            ]
        )
    text.flush()
    text.detach()
    spool.seek(0)
    return spool


def csv_response(table: Table, name: str) -> FileResponse:
    return _attachment(csv_file(table), f"{name}.csv", CSV_TYPE)


# --- XLSX ----------------------------------------------------------------------------------------

NUMBER_FORMATS = {
    INTEGER: "0",
    DECIMAL: "0.0",
    DATE: "DD.MM.YYYY",
    DATETIME: "DD.MM.YYYY HH:MM",
}
FIXED_WIDTHS = {DATE: 10, DATETIME: 16, BOOLEAN: 6}


def _widths(table: Table, sample: list[Sequence]) -> list[int]:
    """Characters per column: the longest value of the first rows, and the header's longest
    word (the header wraps onto a second line rather than widening a column of numbers)."""
    widths = []
    for index, column in enumerate(table.columns):
        header = str(column.title)
        longest_word = max((len(w) for w in header.split()), default=0)
        content = FIXED_WIDTHS.get(column.kind, 0)
        for row in sample:
            if index < len(row) and row[index] is not None:
                text = display(row[index], column.kind, table.tz)
                content = max(content, max((len(line) for line in text.splitlines()), default=0))
        wanted = max(content, longest_word, min(len(header), 14))
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, wanted + 2)))
    return widths


def _lines(text: str, width: int) -> int:
    return -(-len(text) // max(width - 2, 1))


def _sheet_name(title: str, taken: set[str]) -> str:
    name = SHEET_NAME_BAD.sub(" ", title).strip().strip("'")[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _write_sheet(workbook, table: Table, taken: set[str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet = workbook.create_sheet(_sheet_name(table.sheet or table.title, taken))
    rows = iter(table.rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    widths = _widths(table, sample)
    count = len(table.columns)
    header_row = TITLE_ROWS + 1

    # Everything about columns, rows and the view is set before the first row is written.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # The header wraps: as many lines as its longest title needs at its column's width.
    lines = max(
        (_lines(str(c.title), w) for c, w in zip(table.columns, widths, strict=True)),
        default=1,
    )
    sheet.row_dimensions[header_row].height = 15 * max(1, min(lines, 4))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.orientation = "landscape" if sum(widths) > 110 else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    def cell(value, *, bold=False, size=None, wrap=False):
        c = WriteOnlyCell(sheet, value)
        if bold or size:
            c.font = Font(bold=bold, size=size)
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    sheet.append([cell(_text(table.title), bold=True, size=14)])
    sheet.append([cell(_text(table.institution))])
    sheet.append([cell(_text(table.subtitle))])
    sheet.append([])
    sheet.append([cell(_text(h), bold=True, wrap=True) for h in table.headers])

    written = 0
    for row in chain(sample, rows):
        sheet.append(
            [_xlsx_cell(sheet, v, c, table.tz) for v, c in zip(row, table.columns, strict=False)]
        )
        written += 1
    last_column = get_column_letter(max(count, 1))
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + written}"


def _xlsx_cell(sheet, value, column: Column, tz):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    kind = column.kind
    if value is None or value == "":
        return None
    if kind == INTEGER and isinstance(value, int) and not isinstance(value, bool):
        c = WriteOnlyCell(sheet, value)
    elif kind == DECIMAL and isinstance(value, int | float) and not isinstance(value, bool):
        c = WriteOnlyCell(sheet, float(value))
    elif kind == DATETIME and isinstance(value, dt.datetime):
        c = WriteOnlyCell(sheet, _local_naive(value, tz))
    elif kind == DATE and isinstance(value, dt.date):
        c = WriteOnlyCell(sheet, value if not isinstance(value, dt.datetime) else value.date())
    elif kind == BOOLEAN:
        c = WriteOnlyCell(sheet, bool(value))
    else:
        text = _text(value)
        c = WriteOnlyCell(sheet, text)
        # A string cell is never a formula; the quote prefix keeps it text when edited too.
        c.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            c.quotePrefix = True
        if "\n" in text:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c
    if kind in NUMBER_FORMATS:
        c.number_format = NUMBER_FORMATS[kind]
    return c


def xlsx_file(tables: Sequence[Table]):
    """The tables as one workbook, a sheet each, in a temporary file at its start."""
    from openpyxl import Workbook

    first = tables[0]
    workbook = Workbook(write_only=True)
    props = workbook.properties
    props.title = _text(first.title)
    props.subject = _text(first.institution)
    props.creator = _("Sferum portal")
    props.description = _text(first.subtitle)
    props.created = props.modified = _local_naive(first.created, dt.UTC)
    taken: set[str] = set()
    for table in tables:
        _write_sheet(workbook, table, taken)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response once it is sent
    workbook.save(target)
    target.seek(0)
    return target


def xlsx_response(tables: Table | Sequence[Table], name: str) -> FileResponse:
    tables = [tables] if isinstance(tables, Table) else list(tables)
    return _attachment(xlsx_file(tables), f"{name}.xlsx", XLSX_TYPE)


def _attachment(file, filename: str, content_type: str) -> FileResponse:
    return FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)


def file_name(base: str, when: dt.datetime | None = None) -> str:
    """`people-2025-11-01`: what the list is and the day it was exported (ASCII)."""
    day = timezone.localdate(when or timezone.now())
    return f"{base}-{day.isoformat()}"
