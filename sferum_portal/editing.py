"""The one way a service changes the editable fields of a row."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


def assign_fields(instance, fields: Mapping[str, object], editable: Iterable[str]) -> list[str]:
    """Set `fields` on `instance` (not saved); text is stripped of surrounding spaces.

    A name outside `editable` is a programming error (a view passing what the service does not
    let change), not a user's mistake: TypeError. Returns the names set, sorted (for the audit).
    """
    unknown = set(fields) - set(editable)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    return sorted(fields)


# Line breaks, tabs, NUL and the other control characters (C0, DEL, C1), and the Unicode line
# and paragraph separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: str) -> str:
    """A title is one line: control characters become spaces, runs of spaces one space.
    (An e-mail subject or a calendar's SUMMARY made from it can never break.)"""
    return " ".join(CONTROL.sub(" ", value).split())
