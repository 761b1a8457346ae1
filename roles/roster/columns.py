"""The roster file's format: its columns, the header and kind aliases school systems write, the
limits and the patterns of a name.

Reading a file is `read`, checking it against the database is `plan`; nothing here reads or
writes anything.
"""

from __future__ import annotations

import re

from ..models import Person, PersonKind

COLUMNS = ("external_id", "last_name", "first_name", "patronymic", "kind", "unit", "guardian_of")
REQUIRED_COLUMNS = ("external_id", "last_name", "first_name", "kind")

# Headers as Russian school systems write them; compared after `norm`.
HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    "идентификатор": "external_id",
    "внешний идентификатор": "external_id",
    "внешний id": "external_id",
    "id": "external_id",
    "код": "external_id",
    "фамилия": "last_name",
    "имя": "first_name",
    "отчество": "patronymic",
    "тип": "kind",
    "категория": "kind",
    "вид": "kind",
    "роль": "kind",
    "класс": "unit",
    "объединение": "unit",
    "класс/объединение": "unit",
    "детское объединение": "unit",
    "подразделение": "unit",
    "отдел": "unit",
    "родитель для": "guardian_of",
    "законный представитель для": "guardian_of",
    "представитель для": "guardian_of",
    "дети": "guardian_of",
}

KIND_ALIASES: dict[str, str] = {
    "staff": PersonKind.STAFF,
    "сотрудник": PersonKind.STAFF,
    "работник": PersonKind.STAFF,
    "педагог": PersonKind.STAFF,
    "учитель": PersonKind.STAFF,
    "педагогический работник": PersonKind.STAFF,
    "student": PersonKind.STUDENT,
    "обучающийся": PersonKind.STUDENT,
    "обучающаяся": PersonKind.STUDENT,
    "ученик": PersonKind.STUDENT,
    "ученица": PersonKind.STUDENT,
    "учащийся": PersonKind.STUDENT,
    "parent": PersonKind.PARENT,
    "родитель": PersonKind.PARENT,
    "законный представитель": PersonKind.PARENT,
    "представитель": PersonKind.PARENT,
}

MAX_ROWS = 50_000
EXTERNAL_ID_MAX = Person._meta.get_field("external_id").max_length
# Letters of any alphabet (Tatar, Bashkir, Ukrainian names too), spaces, hyphens, apostrophes.
NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\s'’.\-])*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")


def norm(value: str) -> str:
    """A header, kind or unit name as compared: ё as е, spaces collapsed, lower case."""
    return re.sub(r"\s+", " ", value.replace("ё", "е").replace("Ё", "Е")).strip().lower()
