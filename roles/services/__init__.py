"""Every write to the institution's structure, roster, appointments, movements and to-dos.

One module per kind of write; this package re-exports them all, so callers keep writing
`from roles import services; services.enrol(...)`:

- `audit`: the append-only audit log;
- `structure`: the institution, its units, its staff room, the academic year;
- `people`: the roster's people and their guardian links;
- `todos`: the to-do list of manual Sferum steps and `portal_text` for stored text;
- `movement`: enrolment, transfer, change of role, leaving a unit or the institution;
- `verification`: Sferum's «учитель» status of teachers;
- `departments`: teachers made members of a department without an invitation;
- `appointments`: administrator appointments by order;
- `merge`: merging two roster rows of one person (the other apps move theirs on a signal);
- `roster_upload`: a roster file uploaded, read by a job, its columns chosen, checked by a job;
- `roster_import`: confirming and applying a previewed roster file;
- `login_locks`: lifting a login lock (the throttle itself is `roles.login`), purging access
  records and expired sessions.

Refusals are `roles.errors.NotAllowed` ("you may not": only the director records the movements
of the administration, gives or takes away its roles and relieves the main administrator; only
the director or an admin appoints admins) and `roles.errors.RuleBroken` (every other rule of the
domain), both `ValidationError`s with the message for the user; nothing is written (every
service that writes more than one row is atomic).
"""

from .appointments import (
    appoint_admin,
    clean_phone,
    end_appointment,
    update_appointment_details,
)
from .audit import audit
from .departments import (
    add_class_teachers_to_department,
    add_to_department,
    class_teachers_outside,
)
from .login_locks import clear_expired_sessions, lift_login_lock, purge_login_records
from .merge import check_mergeable, merge_people, rows_pointing_at
from .movement import change_role, end_membership, enrol, leave, mark_joined, transfer
from .people import PERSON_EDITABLE, create_person, link_guardian, update_person
from .roster_import import (
    ROSTER_IMPORT_TASK,
    apply_roster_plan,
    purge_roster_files,
    redispatch_queued_imports,
    roster_import_progress,
    run_roster_import,
    start_roster_import,
)
from .roster_upload import (
    PLAN_TASK,
    READ_TASK,
    choose_roster_mapping,
    plan_roster_upload,
    plan_stored_import,
    preview_roster_import,
    proposed_mapping,
    read_roster_upload,
    remember_layout,
    reopen_roster_mapping,
    upload_roster,
)
from .structure import (
    INSTITUTION_EDITABLE,
    STAFF_ROOM_NAME,
    archive_unit,
    create_institution,
    create_unit,
    current_academic_year,
    staff_room,
    update_institution,
    update_unit,
)
from .todos import (
    complete_todo,
    create_todo,
    portal_text,
    reinvite_todo,
    remove_todo,
    reopen_todo,
    transfer_todo,
)
from .verification import (
    decide_teacher_verification,
    initial_verification,
    is_verified_teacher_in_staff_room,
)

__all__ = [
    "add_class_teachers_to_department",
    "add_to_department",
    "class_teachers_outside",
    "INSTITUTION_EDITABLE",
    "PERSON_EDITABLE",
    "PLAN_TASK",
    "READ_TASK",
    "ROSTER_IMPORT_TASK",
    "STAFF_ROOM_NAME",
    "appoint_admin",
    "clean_phone",
    "update_appointment_details",
    "apply_roster_plan",
    "archive_unit",
    "audit",
    "clear_expired_sessions",
    "lift_login_lock",
    "purge_login_records",
    "change_role",
    "check_mergeable",
    "choose_roster_mapping",
    "complete_todo",
    "create_institution",
    "create_person",
    "create_todo",
    "create_unit",
    "current_academic_year",
    "decide_teacher_verification",
    "end_appointment",
    "end_membership",
    "enrol",
    "initial_verification",
    "is_verified_teacher_in_staff_room",
    "leave",
    "link_guardian",
    "mark_joined",
    "merge_people",
    "plan_roster_upload",
    "plan_stored_import",
    "portal_text",
    "preview_roster_import",
    "proposed_mapping",
    "purge_roster_files",
    "read_roster_upload",
    "redispatch_queued_imports",
    "reinvite_todo",
    "remember_layout",
    "remove_todo",
    "reopen_roster_mapping",
    "reopen_todo",
    "roster_import_progress",
    "rows_pointing_at",
    "run_roster_import",
    "staff_room",
    "start_roster_import",
    "transfer",
    "transfer_todo",
    "update_institution",
    "update_person",
    "update_unit",
    "upload_roster",
]
