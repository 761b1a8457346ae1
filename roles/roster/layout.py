"""A file's layout: where its header row is (below title rows and blank rows), its columns with
their first values, the key that recognises the same layout next time, and the mapping the
portal proposes for its headers.

Nothing here reads the database; the remembered mappings are `roles.services`'.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from .columns import (
    DEPARTMENT,
    DEPARTMENT_HEADERS,
    HEADER_ALIASES,
    HEADER_SEARCH_ROWS,
    IGNORED,
    MAX_COLUMNS,
    SAMPLE_VALUES,
    UNIT,
    header_key,
)
from .read import RosterFileError


@dataclass
class Layout:
    header_row: int  # the header's row number (the file's first record is row 1)
    headers: list[str]  # one per column, "" for a column without a header
    samples: list[list[str]]  # the first values of each column
    key: str

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Layout:
        return cls(
            header_row=data["header_row"],
            headers=list(data["headers"]),
            samples=[list(s) for s in data.get("samples", [])],
            key=data["key"],
        )


def layout_key(headers: list[str]) -> str:
    """The same headers in the same order (as compared) give the same key."""
    return hashlib.sha256("\x1f".join(header_key(h) for h in headers).encode()).hexdigest()


def _recognised(record: list[str]) -> int:
    return sum(1 for cell in record if header_key(cell) in HEADER_ALIASES)


def _filled(record: list[str]) -> int:
    return sum(1 for cell in record if str(cell).strip())


def find_layout(records: list[list[str]]) -> Layout:
    """The header row among the first rows: the one with the most headers the portal knows
    (the first of them), else the first row of two cells or more filled."""
    first = records[:HEADER_SEARCH_ROWS]
    scores = [_recognised(record) for record in first]
    if scores and max(scores) > 0:
        index = scores.index(max(scores))
    else:
        index = next((i for i, r in enumerate(first) if _filled(r) >= 2), None)
        if index is None:
            index = next((i for i, r in enumerate(first) if _filled(r)), None)
    if index is None:
        raise RosterFileError(_("The file has no header row."))
    header = [str(cell).strip() for cell in records[index]]
    data = records[index + 1 :]
    width = max(
        [_last_filled(header)] + [_last_filled(record) for record in data[:200]],
    )
    width = min(width, MAX_COLUMNS)
    headers = (header + [""] * width)[:width]
    samples: list[list[str]] = [[] for _ in range(width)]
    for record in data:
        for column in range(min(width, len(record))):
            value = str(record[column]).strip()
            if value and len(samples[column]) < SAMPLE_VALUES:
                samples[column].append(value[:80])
        if all(len(s) >= SAMPLE_VALUES for s in samples):
            break
    return Layout(header_row=index + 1, headers=headers, samples=samples, key=layout_key(headers))


def _last_filled(record: list[str]) -> int:
    for index in range(len(record) - 1, -1, -1):
        if str(record[index]).strip():
            return index + 1
    return 0


def propose_mapping(headers: list[str]) -> list[str]:
    """What each column is, by its header: a known header's field, else «do not import».

    «Отдел» is the unit when it is the file's only unit column (so every file reads as it did
    before the department column); beside a class column it is the teacher's department."""
    mapping = [HEADER_ALIASES.get(header_key(h), IGNORED) if h else IGNORED for h in headers]
    departments = [i for i, h in enumerate(headers) if h and header_key(h) in DEPARTMENT_HEADERS]
    others = [i for i, f in enumerate(mapping) if f == UNIT and i not in departments]
    if others and DEPARTMENT not in mapping:
        for i in departments[:1]:
            mapping[i] = DEPARTMENT
    return mapping


def column_name(headers: list[str], index: int) -> str:
    """A column as the messages name it: its header, or «column N» without one."""
    header = headers[index] if index < len(headers) else ""
    return header or _("column %(number)d") % {"number": index + 1}
