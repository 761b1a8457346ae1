"""A mapping (what each column of a file is) checked, and applied to the file's records:
`check_mapping` names what is missing or chosen twice, `rows_from_records` makes `RosterRow`s,
`read_roster` does both with the headers recognised automatically.

Columns mapped to nothing are ignored (`ignored_columns`). Messages name the columns by their
headers and the fields by their Russian names, never by the portal's keys. Nothing here reads
the database.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .columns import (
    BIRTH_DATE,
    DEPARTMENT,
    EXTERNAL_ID,
    FIELD_LABELS,
    FIELDS,
    FIRST_NAME,
    FULL_NAME,
    GUARDIAN_OF,
    IGNORED,
    KIND,
    KIND_ALIASES,
    LAST_NAME,
    MAX_ROWS,
    MULTI_FIELDS,
    PARENT_NAME,
    PATRONYMIC,
    UNIT,
    norm,
)
from .layout import Layout, column_name, find_layout, propose_mapping
from .names import clean_name, parse_birth_date, split_full_name, split_people
from .read import RosterFileError, RosterRow, read_records


def _label(field: str) -> str:
    return f"«{FIELD_LABELS[field]}»"


def _columns(headers: list[str], indexes: list[int]) -> str:
    return ", ".join(f"«{column_name(headers, i)}»" for i in indexes)


def check_mapping(mapping: list[str], headers: list[str], *, kind: str = "") -> list[str]:
    """What is wrong with a mapping of these columns (empty when nothing is)."""
    problems: list[str] = []
    if len(mapping) != len(headers) or any(m not in FIELDS and m != IGNORED for m in mapping):
        return [_("The choice of columns does not fit this file; upload it again.")]
    chosen: dict[str, list[int]] = {}
    for index, field in enumerate(mapping):
        if field:
            chosen.setdefault(field, []).append(index)
    for field, indexes in chosen.items():
        if len(indexes) > 1 and field not in MULTI_FIELDS:
            problems.append(
                _("The column «%(field)s» appears twice: %(columns)s. Choose one of them.")
                % {"field": FIELD_LABELS[field], "columns": _columns(headers, indexes)}
            )
    parts = [f for f in (LAST_NAME, FIRST_NAME, PATRONYMIC) if f in chosen]
    if FULL_NAME in chosen and parts:
        problems.append(
            _("Choose either %(full)s or the separate columns %(parts)s, not both.")
            % {"full": _label(FULL_NAME), "parts": ", ".join(_label(f) for f in parts)}
        )
    elif FULL_NAME not in chosen:
        missing = [f for f in (LAST_NAME, FIRST_NAME) if f not in chosen]
        if missing:
            problems.append(
                _("Missing columns: %(columns)s (or one column %(full)s).")
                % {"columns": ", ".join(_label(f) for f in missing), "full": _label(FULL_NAME)}
            )
    if KIND not in chosen and not kind:
        problems.append(
            _("The file has no column %(field)s: choose the kind of people it lists.")
            % {"field": _label(KIND)}
        )
    return problems


def ignored_columns(headers: list[str], mapping: list[str]) -> list[str]:
    """The columns not imported, by their headers (columns with nothing in them aside)."""
    return [column_name(headers, i) for i, field in enumerate(mapping) if not field and headers[i]]


def _cells(record: list[str], indexes: list[int]) -> list[str]:
    return [str(record[i]).strip() for i in indexes if i < len(record) and str(record[i]).strip()]


def rows_from_records(
    records: list[list[str]], layout: Layout, mapping: list[str], *, kind: str = ""
) -> list[RosterRow]:
    """The rows below the header, read as the mapping says; blank rows are skipped and every
    row keeps its number in the file. Problems of single cells are left in `RosterRow.problems`
    for the planner to report with the row's other problems."""
    columns: dict[str, list[int]] = {}
    for index, field in enumerate(mapping):
        if field:
            columns.setdefault(field, []).append(index)

    def cell(record: list[str], field: str) -> str:
        return " ".join(_cells(record, columns.get(field, [])))

    data = records[layout.header_row :]
    if len(data) > MAX_ROWS:
        raise RosterFileError(
            _("The file has more than %(max)d rows; split it into parts.") % {"max": MAX_ROWS}
        )
    default_kind = kind
    rows = []
    for number, record in enumerate(data, start=layout.header_row + 1):
        if not any(str(c).strip() for c in record):
            continue
        problems: list[str] = []
        if FULL_NAME in columns:
            full = cell(record, FULL_NAME)
            parts = split_full_name(full) if full else ("", "", "")
            if parts is None:
                problems.append(
                    _("«%(value)s» is not a full name: give the last name and the first name")
                    % {"value": full}
                )
                parts = (full, "", "")
            last, first, patronymic = parts
        else:
            last, first, patronymic = (
                clean_name(cell(record, f)) for f in (LAST_NAME, FIRST_NAME, PATRONYMIC)
            )
        birth_date = None
        raw_date = cell(record, BIRTH_DATE)
        try:
            birth_date = parse_birth_date(raw_date)
        except ValueError:
            problems.append(
                _("the birth date «%(value)s» is not a date (expected DD.MM.YYYY)")
                % {"value": raw_date}
            )
        parents = []
        for value in _cells(record, columns.get(PARENT_NAME, [])):
            for name in split_people(value):
                split = split_full_name(name)
                if split is None:
                    problems.append(_("«%(value)s» is not a parent's full name") % {"value": name})
                else:
                    parents.append(split)
        kind_raw = cell(record, KIND) or default_kind
        rows.append(
            RosterRow(
                number=number,
                external_id=cell(record, EXTERNAL_ID),
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                kind_raw=kind_raw,
                unit_name=cell(record, UNIT),
                department_name=cell(record, DEPARTMENT),
                guardian_of=[
                    g.strip() for g in re.split(r"[;,\s]+", cell(record, GUARDIAN_OF)) if g.strip()
                ],
                birth_date=birth_date,
                parents=parents,
                problems=problems,
            )
        )
    if not rows:
        raise RosterFileError(_("The file has a header but no rows."))
    return rows


def row_kind(row: RosterRow) -> str | None:
    return KIND_ALIASES.get(norm(row.kind_raw))


def read_roster(
    data: bytes, filename: str = "", *, kind: str = "", mapping: list[str] | None = None
) -> list[RosterRow]:
    """Parse a CSV or XLSX roster into rows, the header found below any title rows and its
    columns recognised (or as `mapping` says); RosterFileError for a file-level problem.

    `kind` is the kind of the people of a file without a kind column (and of its rows whose
    kind cell is empty).
    """
    records, _encoding = read_records(data, filename)
    layout = find_layout(records)
    if mapping is None:
        mapping = propose_mapping(layout.headers)
    problems = check_mapping(mapping, layout.headers, kind=kind)
    if problems:
        raise RosterFileError(" ".join(problems))
    return rows_from_records(records, layout, mapping, kind=kind)
