"""The roster file's format: the fields a column can be, their Russian names, the headers and
kind names school systems write, the limits and the patterns of a name.

Reading a file is `read`, finding its header and proposing a mapping is `layout`, turning
records into rows is `mapping`, checking them against the database is `plan`; nothing here
reads or writes anything.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from ..models import Person, PersonKind

# What a column can be. "" (IGNORED) is a column that is not imported.
EXTERNAL_ID = "external_id"
FULL_NAME = "full_name"
LAST_NAME = "last_name"
FIRST_NAME = "first_name"
PATRONYMIC = "patronymic"
KIND = "kind"
UNIT = "unit"
# A teacher's department (отдел) when the file has a class column besides: issue 13, 2.3.
DEPARTMENT = "department"
BIRTH_DATE = "birth_date"
PARENT_NAME = "parent_full_name"
GUARDIAN_OF = "guardian_of"
IGNORED = ""

FIELDS = (
    FULL_NAME,
    LAST_NAME,
    FIRST_NAME,
    PATRONYMIC,
    UNIT,
    DEPARTMENT,
    KIND,
    BIRTH_DATE,
    EXTERNAL_ID,
    PARENT_NAME,
    GUARDIAN_OF,
)
# The portal's own columns (its first format), in the order of its sample files.
COLUMNS = (EXTERNAL_ID, LAST_NAME, FIRST_NAME, PATRONYMIC, KIND, UNIT, GUARDIAN_OF)
# Fields that several columns may hold: the unit's parts are joined («Робототехника» + «1»),
# each parent column names parents of the row's child («ФИО матери», «ФИО отца»).
MULTI_FIELDS = frozenset({UNIT, PARENT_NAME})

# What the administrator sees in the mapping step and in every message about a column.
FIELD_LABELS = {
    FULL_NAME: _("full name (last name, first name, patronymic)"),
    LAST_NAME: _("last name"),
    FIRST_NAME: _("first name"),
    PATRONYMIC: _("patronymic"),
    UNIT: _("class, group or department"),
    DEPARTMENT: _("department (a teacher becomes its member; for a class: the one it is in)"),
    KIND: _("kind of person (staff, student, parent)"),
    BIRTH_DATE: _("birth date (used for matching, not stored)"),
    EXTERNAL_ID: _("external id"),
    PARENT_NAME: _("parent's full name (legal representative)"),
    GUARDIAN_OF: _("children's external ids (for parents)"),
    IGNORED: _("do not import"),
}


def header_key(title: str) -> str:
    """A header as compared: punctuation dropped («Ф.И.О.», «(законного представителя)»), ё as
    е, spaces collapsed, lower case; «Класс/объединение» keeps its slash."""
    return norm(re.sub(r"[^\w\s/]", " ", str(title)))


def norm(value: str) -> str:
    """A header, kind or unit name as compared: ё as е, spaces collapsed, lower case."""
    return re.sub(r"\s+", " ", value.replace("ё", "е").replace("Ё", "Е")).strip().lower()


_ALIASES: dict[str, tuple[str, ...]] = {
    EXTERNAL_ID: (
        "идентификатор",
        "внешний идентификатор",
        "уникальный идентификатор",
        "внешний id",
        "id",
        "код",
        "guid",
    ),
    FULL_NAME: (
        "full name",
        "фио",
        "ф. и. о.",
        "фамилия, имя, отчество",
        "фамилия имя отчество",
        "фамилия, имя, отчество (при наличии)",
        "фио обучающегося",
        "фио учащегося",
        "фио ученика",
        "фио ребенка",
        "фио воспитанника",
        "фио педагога",
        "фио сотрудника",
        "фио работника",
    ),
    LAST_NAME: ("фамилия",),
    FIRST_NAME: ("имя",),
    PATRONYMIC: ("отчество", "отчество (при наличии)"),
    KIND: ("тип", "категория", "вид", "роль"),
    UNIT: (
        "класс",
        "объединение",
        "класс/объединение",
        "детское объединение",
        "творческое объединение",
        "группа",
        "учебная группа",
        "номер группы",
        "подразделение",
        "отдел",
        "кружок",
        "секция",
        "студия",
    ),
    DEPARTMENT: ("отдел педагога", "отдел (для педагогов)", "методическое объединение"),
    BIRTH_DATE: ("birth date", "дата рождения", "дата рожд"),
    PARENT_NAME: (
        "parent full name",
        "фио родителя",
        "фио родителя (законного представителя)",
        "фио законного представителя",
        "родитель (законный представитель)",
        "родители (законные представители)",
        "законный представитель",
        "фио матери",
        "фио отца",
        "мать",
        "отец",
    ),
    GUARDIAN_OF: (
        "родитель для",
        "законный представитель для",
        "представитель для",
        "дети",
    ),
}

# Headers of the department that are the unit when they are the file's only unit column (as
# every file read before the department column was), and the department beside a class column.
DEPARTMENT_HEADERS = frozenset({"отдел"})

# Headers as the portal's format and Russian school systems write them, compared after
# `header_key`.
HEADER_ALIASES: dict[str, str] = {
    **{header_key(field): field for field in FIELDS},
    **{header_key(alias): field for field, aliases in _ALIASES.items() for alias in aliases},
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
# Columns read from a sheet: a cell far to the right must not make every row that wide.
MAX_COLUMNS = 60
# The header is looked for among this many first rows (title rows and blank rows above it).
HEADER_SEARCH_ROWS = 20
# First values of each column shown in the mapping step.
SAMPLE_VALUES = 3
EXTERNAL_ID_MAX = Person._meta.get_field("external_id").max_length
# Letters of any alphabet (Tatar, Bashkir, Ukrainian names too), spaces, hyphens, apostrophes.
NAME_RE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\s'’.\-])*$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
