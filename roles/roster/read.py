"""Reading a roster file: `read_records` turns a CSV or XLSX file into records (lists of cell
texts); `RosterRow` is what `mapping` makes of a record.

A workbook's unpacked size is checked before openpyxl opens it (a zip bomb is refused at once);
a CSV's encoding is `encoding`'s to tell. A file-level problem (format, encoding, columns, size)
is a `RosterFileError`; rows are checked by `plan`, and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from .columns import MAX_COLUMNS, MAX_ROWS
from .encoding import EncodingError, decode


class RosterFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns)."""


@dataclass
class RosterRow:
    number: int  # as a spreadsheet shows it: the first record of the file is row 1
    external_id: str
    last_name: str
    first_name: str
    patronymic: str
    kind_raw: str
    unit_name: str
    guardian_of: list[str]
    # Read for matching only, never stored (roles.roster.names.birth_date_hash is).
    birth_date: dt.date | None = None
    # (last, first, patronymic) of the parents the row names for its child.
    parents: list[tuple[str, str, str]] = field(default_factory=list)
    # What was wrong in the row's cells as read (a full name of one word, a date that is none).
    problems: list[str] = field(default_factory=list)
    # The «Отдел» column beside a class column (columns.DEPARTMENT): empty in other files.
    department_name: str = ""


XLSX = "XLSX"
MB = 1024 * 1024
_DELIMITERS = (";", "\t", ",")


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_records(data: bytes, filename: str = "") -> tuple[list[list[str]], str]:
    """Every record of the file's first sheet as cell texts, and what the file was read as
    ("XLSX" or the CSV's encoding)."""
    if not data:
        raise RosterFileError(_("The file is empty."))
    if is_xlsx(data, filename):
        return _xlsx_records(data), XLSX
    try:
        text, encoding = decode(data)
    except EncodingError as exc:
        raise RosterFileError(str(exc)) from exc
    return _csv_records(text), encoding


def _csv_records(text: str) -> list[list[str]]:
    delimiter = _delimiter(text)
    try:
        records = []
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            records.append(record[:MAX_COLUMNS])
            if len(records) > MAX_ROWS + 100:
                break
        return records
    except csv.Error as exc:
        raise RosterFileError(
            _("The file is not valid CSV (%(error)s): check the quotation marks.") % {"error": exc}
        ) from exc


def _delimiter(text: str) -> str:
    """The separator that gives the first lines the same number of cells most often."""
    lines = [line for line in text.splitlines()[:60] if line.strip()][:25]
    best, best_score = ";", -1
    for delimiter in _DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        wide = [w for w in widths if w > 1]
        score = max((wide.count(w) for w in set(wide)), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than the limit, before anything parses it.

    The limit is ROSTER_XLSX_MAX_RATIO times the file (at least 10 MB) and never more than
    ROSTER_XLSX_MAX_UNPACKED_MB. The sizes come from the zip directory; zipfile never unpacks
    an entry beyond the size it declares, so a lying directory gains nothing.
    """
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise RosterFileError(_("The Excel file is damaged or is not an .xlsx workbook.")) from exc
    ceiling = settings.ROSTER_XLSX_MAX_UNPACKED_MB * MB
    ratio = settings.ROSTER_XLSX_MAX_RATIO
    limit = min(ceiling, max(ratio * len(data), 10 * MB))
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limit or len(entries) > 5000:
        raise RosterFileError(
            _(
                "The Excel file unpacks to %(size)d MB, more than a roster of this size can take "
                "(%(limit)d MB); it was not opened. Save the list again as a new workbook, or "
                "as CSV."
            )
            % {"size": max(1, unpacked // MB), "limit": max(1, limit // MB)}
        )


def _xlsx_records(data: bytes) -> list[list[str]]:
    check_unpacked_size(data)
    from openpyxl import load_workbook

    damaged = _("The Excel file is damaged or is not an .xlsx workbook.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and value errors of many kinds
        raise RosterFileError(damaged) from exc
    try:
        sheet = workbook.worksheets[0]
        records = []
        # max_col: a single cell far to the right would otherwise make every row that wide.
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            record = ["" if v is None else _cell_text(v) for v in values]
            while record and record[-1] == "":
                record.pop()
            records.append(record)
            if len(records) > MAX_ROWS + 100:
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
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
