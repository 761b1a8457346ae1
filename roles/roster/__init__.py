"""Reading and checking a roster file exported by a school information system.

Nothing here writes: `read_roster` (`read`) turns a CSV or XLSX file into rows in the format of
`columns`, `plan_roster` (`plan`) compares them with the database and returns what an import
would create, change and end, or the bad rows. `roles.services.apply_roster_plan` does the
writing.
"""

from .columns import (
    COLUMNS,
    EXTERNAL_ID_MAX,
    HEADER_ALIASES,
    KIND_ALIASES,
    MAX_ROWS,
    NAME_RE,
    REQUIRED_COLUMNS,
)
from .plan import PersonPlan, RosterPlan, RowError, plan_roster
from .read import RosterFileError, RosterRow, read_roster

__all__ = [
    "COLUMNS",
    "EXTERNAL_ID_MAX",
    "HEADER_ALIASES",
    "KIND_ALIASES",
    "MAX_ROWS",
    "NAME_RE",
    "REQUIRED_COLUMNS",
    "PersonPlan",
    "RosterFileError",
    "RosterPlan",
    "RosterRow",
    "RowError",
    "plan_roster",
    "read_roster",
]
