"""Reading and checking a roster file exported by a school information system.

Nothing here writes. `read` turns a CSV or XLSX file into records (`encoding` tells a CSV's
encoding; a workbook's unpacked size is checked before it is opened), `layout` finds the header
row below title rows and proposes what each column is, `mapping` checks a mapping and makes
`RosterRow`s of the records, `plan` compares them with the database (`match` finds who the
rows are, `names` holds the keys they are compared by) and returns what an import would create,
change and end (`result`), or the bad rows. `roles.services.apply_roster_plan` does the writing.
"""

from .columns import (
    COLUMNS,
    EXTERNAL_ID_MAX,
    FIELD_LABELS,
    FIELDS,
    HEADER_ALIASES,
    IGNORED,
    KIND_ALIASES,
    MAX_ROWS,
    MULTI_FIELDS,
    NAME_RE,
)
from .encoding import EncodingError, decode
from .layout import Layout, column_name, find_layout, layout_key, propose_mapping
from .mapping import check_mapping, ignored_columns, read_roster, rows_from_records
from .names import birth_date_hash, name_key, split_full_name, unit_key
from .plan import link_pks, plan_roster
from .read import RosterFileError, RosterRow, check_unpacked_size, read_records
from .result import PersonPlan, RosterPlan, RowError

__all__ = [
    "COLUMNS",
    "EXTERNAL_ID_MAX",
    "FIELDS",
    "FIELD_LABELS",
    "HEADER_ALIASES",
    "IGNORED",
    "KIND_ALIASES",
    "MAX_ROWS",
    "MULTI_FIELDS",
    "NAME_RE",
    "EncodingError",
    "Layout",
    "PersonPlan",
    "RosterFileError",
    "RosterPlan",
    "RosterRow",
    "RowError",
    "birth_date_hash",
    "check_mapping",
    "check_unpacked_size",
    "column_name",
    "decode",
    "find_layout",
    "ignored_columns",
    "layout_key",
    "link_pks",
    "name_key",
    "plan_roster",
    "propose_mapping",
    "read_records",
    "read_roster",
    "rows_from_records",
    "split_full_name",
    "unit_key",
]
