"""The institution, its structure and roster: data and invariants only, no workflows.

A package: `institution` (the institution and its units), `people` (the roster and its
memberships), `journal` (appointments, movements, to-dos, the audit log), `roster` (uploads of
roster files), `security` (login throttling), `base` (what every domain row has). Everything
is importable from here.
"""

from .base import InstitutionOwned, Timestamped, institution_key
from .institution import (
    Institution,
    Unit,
    UnitKind,
    UnitQuerySet,
    User,
    inn_validator,
    validate_academic_year,
    validate_timezone,
)
from .journal import (
    AdminAppointment,
    AuditEvent,
    Movement,
    MovementKind,
    TodoItem,
    TodoKind,
)
from .people import (
    ROLES_BY_PERSON_KIND,
    ROLES_BY_UNIT_KIND,
    SFERUM_ROLE,
    GuardianLink,
    Membership,
    MembershipQuerySet,
    Person,
    PersonKind,
    Role,
    SferumRoleMixin,
    Verification,
    in_force,
    normalize_search,
    on_roster,
)
from .roster import RosterImport, RosterImportStatus, RosterLayout, roster_upload_path
from .security import LockScope, LoginCode, LoginFailure, LoginLift

__all__ = [
    "ROLES_BY_PERSON_KIND",
    "ROLES_BY_UNIT_KIND",
    "SFERUM_ROLE",
    "AdminAppointment",
    "AuditEvent",
    "GuardianLink",
    "Institution",
    "InstitutionOwned",
    "LockScope",
    "LoginCode",
    "LoginFailure",
    "LoginLift",
    "Membership",
    "MembershipQuerySet",
    "Movement",
    "MovementKind",
    "Person",
    "PersonKind",
    "Role",
    "RosterImport",
    "RosterImportStatus",
    "RosterLayout",
    "SferumRoleMixin",
    "Timestamped",
    "TodoItem",
    "TodoKind",
    "Unit",
    "UnitKind",
    "UnitQuerySet",
    "User",
    "Verification",
    "in_force",
    "inn_validator",
    "institution_key",
    "normalize_search",
    "on_roster",
    "roster_upload_path",
    "validate_academic_year",
    "validate_timezone",
]
