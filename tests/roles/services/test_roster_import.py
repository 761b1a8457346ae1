"""Applying a roster import: new people, a second file (transfers and leavers), the queued import
(preview, confirm, run), the purge of stored files.
"""

import datetime as dt
from collections import Counter

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from roles import services
from roles.models import (
    Membership,
    Movement,
    MovementKind,
    Person,
    PersonKind,
    Role,
    RosterImport,
    RosterImportStatus,
    TodoItem,
    TodoKind,
    UnitKind,
    Verification,
)

from ..roster_helpers import (
    BAD_CASES,
    BASE_LINKS,
    BASE_ROWS,
    BASE_UNITS,
    FORMATS,
    ROW_OF,
    STAFF_ROOM,
    _check_messages,
    counts,
    csv_bytes,
    error_rows,
    import_file,
    import_rows,
    imports_applied,
    links_of,
    open_units,
    person,
    plan_file,
    preview,
    replace,
    roster_file,
    snapshot,
    stored_roster_files,
    without,
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_creates_people_memberships_links_and_enrolments(institution, units, fmt):
    data, filename = roster_file(fmt, BASE_ROWS)

    summary = import_file(institution, data, filename)

    assert summary["rows"] == summary["created"] == len(BASE_ROWS)
    assert (summary["changed"], summary["ended"], summary["unchanged"]) == (0, 0, 0)
    people = {p.external_id: p for p in Person.objects.filter(institution=institution)}
    assert set(people) == set(BASE_UNITS)
    assert {k: p.kind for k, p in people.items()} == {
        row[0]: PersonKind(row[4]) for row in BASE_ROWS
    }
    assert people["S-1"].full_name == "Иванов Пётр Сергеевич"
    assert people["S-3"].patronymic == ""
    assert {k: open_units(p) for k, p in people.items()} == BASE_UNITS
    assert links_of(institution) == BASE_LINKS

    memberships = Membership.objects.filter(person__institution=institution)
    today = institution.local_today()
    assert {m.start_date for m in memberships} == {today}
    # New teachers await Sferum's «учитель» status; the other roles need none.
    assert {m.verification for m in memberships if m.role == Role.TEACHER} == {Verification.PENDING}
    assert {m.verification for m in memberships if m.role != Role.TEACHER} == {
        Verification.NOT_REQUIRED
    }
    # One enrolment per membership, into that very unit and role.
    movements = Movement.objects.filter(institution=institution)
    assert {m.kind for m in movements} == {MovementKind.ENROL}
    assert Counter((m.person_id, m.to_unit_id, m.role) for m in movements) == Counter(
        (m.person_id, m.unit_id, m.role) for m in memberships
    )
    assert {m.effective_date for m in movements} == {today}
    # Enrolment needs no manual step in Sferum.
    assert not TodoItem.objects.exists()


def test_staff_join_the_staff_room_as_teachers(institution, units):
    import_rows(institution, BASE_ROWS)

    staff_room = services.staff_room(institution)
    in_staff_room = Membership.objects.filter(unit=staff_room, end_date__isnull=True)
    assert sorted((m.person.external_id, m.role) for m in in_staff_room) == [
        ("T-1", Role.TEACHER),
        ("T-2", Role.TEACHER),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_importing_the_same_file_again_changes_nothing(institution, units, fmt):
    data, filename = roster_file(fmt, BASE_ROWS)
    import_file(institution, data, filename)
    before = snapshot()

    plan = plan_file(institution, data, filename)
    summary = plan.summary()
    assert (summary["created"], summary["changed"], summary["ended"]) == (0, 0, 0)
    assert summary["unchanged"] == len(BASE_ROWS)
    assert (plan.transfers, plan.additions, plan.guardian_links, plan.leavers) == ([], [], [], [])

    applied = services.apply_roster_plan(plan=plan, by=None)

    assert (applied["created"], applied["changed"], applied["ended"]) == (0, 0, 0)
    assert snapshot() == before


def test_a_changed_name_is_updated_without_movements(institution, units):
    import_rows(institution, BASE_ROWS)
    movements = Movement.objects.count()

    summary = import_rows(institution, replace(BASE_ROWS, "S-2", last_name="Кузнецова"))

    assert (summary["created"], summary["changed"], summary["ended"]) == (0, 1, 0)
    assert person(institution, "S-2").last_name == "Кузнецова"
    assert Movement.objects.count() == movements


def test_a_parent_can_be_linked_to_a_student_already_on_the_roster(institution, units):
    import_rows(institution, without(BASE_ROWS, "P-1", "P-2"))

    # Only parents are listed now, so no student leaves.
    summary = import_rows(institution, [("P-9", "Иванова", "Елена", "", "parent", "", "S-1")])

    assert (summary["created"], summary["ended"]) == (1, 0)
    assert links_of(institution) == {("P-9", "S-1")}
    assert open_units(person(institution, "P-9")) == {("3А", Role.PARENT)}


def test_a_student_in_another_class_is_transferred(institution, units):
    import_rows(institution, BASE_ROWS)
    s1 = person(institution, "S-1")

    plan = plan_file(institution, csv_bytes(replace(BASE_ROWS, "S-1", unit="3Б")))
    assert [(item.row.external_id, a.name, b.name) for item, a, b in plan.transfers] == [
        ("S-1", "3А", "3Б")
    ]
    summary = services.apply_roster_plan(plan=plan, by=None)

    assert (summary["transfers"], summary["ended"]) == (1, 0)
    assert open_units(s1) == {("3Б", Role.STUDENT)}
    old = Membership.objects.get(person=s1, unit=units["3А"])
    assert old.end_date == institution.local_today()
    movement = Movement.objects.get(person=s1, kind=MovementKind.TRANSFER)
    assert (movement.from_unit, movement.to_unit, movement.role) == (
        units["3А"],
        units["3Б"],
        Role.STUDENT,
    )
    # Whether S-1 is in 3А in Sferum is unknown: the manual step is always asked for.
    todo = TodoItem.objects.get(person=s1)
    assert (todo.kind, todo.unit) == (TodoKind.REINVITE, units["3Б"])


def test_a_transferred_student_who_had_joined_sferum_gets_a_reinvite_todo(institution, units):
    import_rows(institution, BASE_ROWS)
    s1 = person(institution, "S-1")
    services.mark_joined(memberships=Membership.objects.filter(person=s1))

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    movement = Movement.objects.get(person=s1, kind=MovementKind.TRANSFER)
    todo = TodoItem.objects.get(person=s1)
    assert (todo.kind, todo.person, todo.unit, todo.movement) == (
        TodoKind.REINVITE,
        s1,
        units["3Б"],
        movement,
    )
    assert todo.done_at is None


def test_a_parent_follows_their_child_into_the_new_class(institution, units):
    import_rows(institution, BASE_ROWS)

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    assert ("3Б", Role.PARENT) in open_units(person(institution, "P-1"))


def test_people_of_a_listed_kind_missing_from_the_file_leave(institution, units):
    import_rows(institution, BASE_ROWS)
    s2 = person(institution, "S-2")
    services.mark_joined(memberships=Membership.objects.filter(person=s2))
    before = counts()

    plan = plan_file(institution, csv_bytes(without(BASE_ROWS, "T-2", "S-2", "P-2")), complete=True)
    assert sorted(p.external_id for p in plan.leavers) == ["P-2", "S-2", "T-2"]
    summary = services.apply_roster_plan(plan=plan, by=None)

    assert (summary["created"], summary["ended"]) == (0, 3)
    today = institution.local_today()
    for external_id in ("T-2", "S-2", "P-2"):
        leaver = person(institution, external_id)
        assert leaver.left_on == today
        assert open_units(leaver) == set()
        assert Membership.objects.filter(person=leaver, end_date=today).count() == len(
            BASE_UNITS[external_id]
        )
        assert Movement.objects.filter(person=leaver, kind=MovementKind.LEAVE).count() == 1
    for external_id in ("T-1", "S-1", "S-3", "P-1"):
        stayer = person(institution, external_id)
        assert stayer.left_on is None
        assert open_units(stayer) == BASE_UNITS[external_id]
    # Removing each leaver from each of their units in Sferum is a manual step.
    removals = {
        (t.person.external_id, t.unit.name)
        for t in TodoItem.objects.filter(kind=TodoKind.REMOVE).select_related("person", "unit")
    }
    assert removals == {(e, unit) for e in ("T-2", "S-2", "P-2") for unit, _ in BASE_UNITS[e]}
    assert TodoItem.objects.count() == len(removals)
    assert counts()["Person"] == before["Person"]  # leaving keeps the person on record


def test_kinds_absent_from_the_file_do_not_leave(institution, units):
    import_rows(institution, BASE_ROWS)

    students = [row for row in BASE_ROWS if row[4] == "student"]
    summary = import_rows(institution, students, complete=True)

    assert summary["ended"] == 0
    assert not Person.objects.filter(left_on__isnull=False).exists()


def test_a_leaver_listed_again_returns(institution, units):
    import_rows(institution, BASE_ROWS)
    import_rows(institution, without(BASE_ROWS, "S-3"), complete=True)
    assert person(institution, "S-3").left_on is not None

    summary = import_rows(institution, BASE_ROWS)

    s3 = person(institution, "S-3")
    assert summary["changed"] == 1
    assert s3.left_on is None
    assert open_units(s3) == {("3А", Role.STUDENT)}
    assert Movement.objects.filter(person=s3, kind=MovementKind.ENROL).count() == 2


def test_a_parent_leaves_the_old_class_when_their_only_child_there_is_transferred(
    institution, units
):
    import_rows(institution, BASE_ROWS)

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    assert open_units(person(institution, "P-1")) == {("3Б", Role.PARENT)}


def test_a_staff_member_moved_to_another_department_leaves_the_old_one(institution, units):
    services.create_unit(institution=institution, kind=UnitKind.DEPARTMENT, name="Спорт")
    import_rows(institution, BASE_ROWS)

    import_rows(institution, replace(BASE_ROWS, "T-1", unit="Спорт"))

    assert open_units(person(institution, "T-1")) == {
        (STAFF_ROOM, Role.TEACHER),
        ("Спорт", Role.TEACHER),
    }


def test_an_import_never_records_the_administration_or_an_admin_as_leaving(institution, units):
    import_rows(institution, BASE_ROWS)
    deputy = person(institution, "T-2")
    staff_membership = Membership.objects.get(person=deputy, unit__name=STAFF_ROOM)
    services.change_role(
        membership=staff_membership, role=Role.DEPUTY, effective_date=institution.local_today()
    )
    without_staff = [row for row in BASE_ROWS if row[0] not in {"T-2"}]

    plan = plan_file(institution, csv_bytes(without_staff), complete=True)
    summary = import_rows(institution, without_staff, complete=True)

    assert [p.pk for p in plan.kept] == [deputy.pk]
    assert summary["ended"] == 0
    deputy.refresh_from_db()
    assert deputy.left_on is None
    assert (STAFF_ROOM, Role.DEPUTY) in open_units(deputy)


def test_a_parent_who_had_joined_the_old_class_gets_a_removal_todo(institution, units):
    import_rows(institution, BASE_ROWS)
    parent = person(institution, "P-1")
    services.mark_joined(memberships=Membership.objects.filter(person=parent))

    import_rows(institution, replace(BASE_ROWS, "S-1", unit="3Б"))

    todo = TodoItem.objects.get(person=parent)
    assert (todo.kind, todo.unit.name) == ("remove", "3А")
    assert Movement.objects.filter(person=parent, kind="unit_exit").count() == 1


def test_reimporting_changes_nothing_for_a_child_in_several_classes(institution, units):
    import_rows(institution, BASE_ROWS)
    s1 = person(institution, "S-1")
    # S-1 also attends 3Б, enrolled by hand; the file still names 3А only.
    services.enrol(
        person=s1, unit=units["3Б"], role=Role.STUDENT, effective_date=institution.local_today()
    )
    before = snapshot()

    summary = import_rows(institution, BASE_ROWS)

    assert (summary["created"], summary["changed"], summary["ended"]) == (0, 0, 0)
    assert snapshot() == before
    assert open_units(s1) == {("3А", Role.STUDENT), ("3Б", Role.STUDENT)}


@pytest.mark.parametrize(("data", "filename", "rows", "tokens"), BAD_CASES)
def test_a_bad_file_preview_is_invalid_and_not_stored(
    institution, units, uploader, data, filename, rows, tokens
):
    import_rows(institution, BASE_ROWS)
    before, files = snapshot(), stored_roster_files()

    roster_import = services.preview_roster_import(
        institution=institution, data=data, filename=filename, by=uploader
    )

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.INVALID
    assert error_rows(roster_import.errors) == rows
    _check_messages(roster_import.errors, tokens)
    assert roster_import.summary == {}
    assert not roster_import.file
    assert stored_roster_files() == files
    assert snapshot() == before
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=roster_import, by=uploader)


def test_preview_keeps_the_file_and_the_summary_and_writes_nothing(institution, units, uploader):
    before = snapshot()

    roster_import = preview(institution, uploader, fmt="xlsx-en")

    assert snapshot() == before
    assert roster_import.rows_total == len(BASE_ROWS)
    assert roster_import.summary["created"] == len(BASE_ROWS)
    assert roster_import.errors == []
    assert default_storage.exists(roster_import.file.name)


def test_a_queued_import_is_applied_once(institution, units, uploader):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)
    # The test transaction never commits, so the queued task is not sent: run its body here.
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=roster_import, by=uploader)
    stored = roster_import.file.name

    done = services.run_roster_import(import_id=roster_import.pk)

    assert done.status == RosterImportStatus.DONE
    assert done.rows_done == done.rows_total == len(BASE_ROWS)
    assert done.finished_at is not None
    assert {
        p.external_id: open_units(p) for p in Person.objects.filter(institution=institution)
    } == BASE_UNITS
    assert (
        Movement.objects.filter(recorded_by=uploader).count()
        == Membership.objects.filter(
            person__institution=institution, person__external_id__in=BASE_UNITS
        ).count()
    )
    # The file held minors' names: gone once applied.
    assert not RosterImport.objects.get(pk=roster_import.pk).file
    assert not default_storage.exists(stored)

    before = snapshot()
    assert services.run_roster_import(import_id=roster_import.pk).status == RosterImportStatus.DONE
    assert snapshot() == before
    assert imports_applied(institution) == 1


def test_an_import_whose_file_is_lost_fails_cleanly_and_writes_nothing(
    institution, units, uploader
):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)
    default_storage.delete(roster_import.file.name)  # the stored file is lost meanwhile
    before = snapshot()

    with pytest.raises(FileNotFoundError):
        services.run_roster_import(import_id=roster_import.pk)

    failed = RosterImport.objects.get(pk=roster_import.pk)
    assert failed.status == RosterImportStatus.FAILED and failed.errors[0]["row"] is None
    assert snapshot() == before


def test_a_queued_import_is_checked_again_when_it_runs(institution, units, uploader):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)
    services.archive_unit(unit=units["3Б"], by=uploader)  # the database changed meanwhile
    before = snapshot()

    done = services.run_roster_import(import_id=roster_import.pk)

    assert done.status == RosterImportStatus.INVALID
    assert error_rows(done.errors) == [ROW_OF["S-2"]]
    assert snapshot() == before
    assert not RosterImport.objects.get(pk=roster_import.pk).file


def test_more_leavers_at_run_time_than_confirmed_reject_the_import(institution, units, uploader):
    import_rows(institution, BASE_ROWS)
    # Preview a file without S-3: one leaver, confirmed.
    stale = preview(institution, uploader, rows=without(BASE_ROWS, "S-3"), complete=True)
    assert stale.summary["ended"] == 1
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=stale, by=uploader)
    services.start_roster_import(roster_import=stale, by=uploader, confirm_leavers=True)
    # Meanwhile somebody enrols a new student the stale file does not know.
    newcomer = services.create_person(
        institution=institution,
        last_name="Новикова",
        first_name="Ева",
        kind="student",
        external_id="S-9",
    )
    services.enrol(
        person=newcomer,
        unit=units["3А"],
        role=Role.STUDENT,
        effective_date=institution.local_today(),
    )
    before = snapshot()

    done = services.run_roster_import(import_id=stale.pk)

    assert done.status == RosterImportStatus.INVALID
    assert done.errors[0]["row"] is None
    assert snapshot() == before
    assert person(institution, "S-9").left_on is None


def test_purge_deletes_the_files_of_stale_previews_only(institution, units, uploader):
    stale, recent = preview(institution, uploader), preview(institution, uploader)
    days = settings.ROSTER_FILE_RETENTION_DAYS
    RosterImport.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days, hours=1)
    )
    RosterImport.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days - 1)
    )
    stale_name, recent_name = stale.file.name, recent.file.name

    assert services.purge_roster_files() == 1

    stale.refresh_from_db()
    recent.refresh_from_db()
    assert not stale.file and not default_storage.exists(stale_name)
    assert recent.file.name == recent_name and default_storage.exists(recent_name)
    # A purged preview cannot be confirmed any more.
    with pytest.raises(ValidationError):
        services.start_roster_import(roster_import=stale, by=uploader)
    assert stale.status == RosterImportStatus.PREVIEW
    # Nothing left to purge.
    assert services.purge_roster_files() == 0


def test_purge_takes_the_age_as_an_argument(institution, units, uploader):
    roster_import = preview(institution, uploader)
    RosterImport.objects.filter(pk=roster_import.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )

    assert services.purge_roster_files(older_than_days=5) == 0
    assert services.purge_roster_files(older_than_days=2) == 1
    roster_import.refresh_from_db()
    assert not roster_import.file


def test_past_the_retention_an_import_keeps_its_figures_but_not_the_names(db, settings):
    import datetime as dt

    from django.utils import timezone

    from roles import services
    from roles.models import RosterImport, RosterImportStatus

    from ...factories import make_institution

    institution = make_institution()
    old, recent = (
        RosterImport.objects.create(
            institution=institution,
            original_name="spisok.csv",
            status=status,
            errors=[{"row": 3, "messages": ["фамилия «Иванов1» — не фамилия"]}],
            summary={"created": 2, "samples": {"created": ["2: Петрова Анна — 5А"]}},
            layout={"columns": ["ФИО"], "samples": [["Петрова Анна"]]},
        )
        for status in (RosterImportStatus.INVALID, RosterImportStatus.DONE)
    )
    RosterImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS + 1)
    )

    services.purge_roster_files()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.errors == [{"row": 3, "messages": []}]
    assert old.summary == {"created": 2} and old.layout == {"columns": ["ФИО"]}
    assert "Петрова" in str(recent.summary) and "Иванов1" in str(recent.errors)
