"""Reading a roster file: `read_roster` turns a CSV or XLSX file into `RosterRow`s.

A file-level problem (format, encoding, columns, size) is a `RosterFileError`; the rows are not
checked here (that is `plan`), and nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .columns import COLUMNS, CONTROL_RE, HEADER_ALIASES, MAX_ROWS, REQUIRED_COLUMNS, norm


class RosterFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns)."""


@dataclass
class RosterRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    external_id: str
    last_name: str
    first_name: str
    patronymic: str
    kind_raw: str
    unit_name: str
    guardian_of: list[str]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_RE.search(text):
            continue
        return text
    raise RosterFileError(
        _(
            "The file could not be read: save it as CSV in UTF-8 or Windows-1251, "
            "or as an Excel workbook (.xlsx)."
        )
    )


def _csv_records(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RosterFileError(
            _("The file is not valid CSV (%(error)s): check the quotation marks.") % {"error": exc}
        ) from exc


def _xlsx_records(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    damaged = _("The Excel file is damaged or is not an .xlsx workbook.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and value errors of many kinds
        raise RosterFileError(damaged) from exc
    try:
        sheet = workbook.worksheets[0]
        records = []
        for values in sheet.iter_rows(values_only=True):
            records.append(["" if v is None else _cell_text(v) for v in values])
            if len(records) > MAX_ROWS + 1:
                break
        return records
    except Exception as exc:
        raise RosterFileError(damaged) from exc
    finally:
        workbook.close()


def _cell_text(value) -> str:
    # Identifiers typed as numbers come back as floats: 1234.0 is "1234".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_roster(data: bytes, filename: str = "") -> list[RosterRow]:
    """Parse a CSV or XLSX roster into rows; raise RosterFileError for a file-level problem."""
    if not data:
        raise RosterFileError(_("The file is empty."))
    is_xlsx = data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))
    records = _xlsx_records(data) if is_xlsx else _csv_records(data)
    # Blank lines before the header are skipped, but rows keep their numbers in the file.
    first = next((i for i, record in enumerate(records) if any(c.strip() for c in record)), None)
    if first is None:
        raise RosterFileError(_("The file has no header row."))
    header_number = first + 1
    records = records[first:]
    header = records[0]
    mapping: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(header):
        key = HEADER_ALIASES.get(norm(title))
        if key is None:
            if title.strip():
                unknown.append(title.strip())
            continue
        if key in mapping:
            raise RosterFileError(
                _("The column «%(column)s» appears twice.") % {"column": title.strip()}
            )
        mapping[key] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
        raise RosterFileError(
            _("The columns do not match the roster format (%(details)s). Expected: %(expected)s.")
            % {"details": "; ".join(parts), "expected": ", ".join(COLUMNS)}
        )
    if len(records) - 1 > MAX_ROWS:
        raise RosterFileError(
            _("The file has more than %(max)d rows; split it into parts.") % {"max": MAX_ROWS}
        )

    def cell(record: list[str], key: str) -> str:
        index = mapping.get(key)
        if index is None or index >= len(record):
            return ""
        return record[index].strip()

    rows = []
    for offset, record in enumerate(records[1:], start=header_number + 1):
        if not any(str(c).strip() for c in record):
            continue
        guardian_raw = cell(record, "guardian_of")
        rows.append(
            RosterRow(
                number=offset,
                external_id=cell(record, "external_id"),
                last_name=cell(record, "last_name"),
                first_name=cell(record, "first_name"),
                patronymic=cell(record, "patronymic"),
                kind_raw=cell(record, "kind"),
                unit_name=cell(record, "unit"),
                guardian_of=[g.strip() for g in re.split(r"[;,\s]+", guardian_raw) if g.strip()],
            )
        )
    if not rows:
        raise RosterFileError(_("The file has a header but no rows."))
    return rows
