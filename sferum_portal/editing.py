"""The one way a service changes the editable fields of a row."""

from __future__ import annotations

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
