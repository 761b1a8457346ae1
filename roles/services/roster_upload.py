"""A roster file up to its preview: uploaded (`upload_roster`: stored, nothing parsed), read by a
job (`read_roster_upload`: its layout and a proposed mapping), its columns chosen by the
administrator (`choose_roster_mapping`, remembered per institution and layout), checked by a job
(`plan_roster_upload`: the preview or the bad rows). `preview_roster_import` does it all at
once with the headers recognised automatically (scripts and tests).

The web request never parses a file: the jobs do, sent by name. Confirming and applying the
preview is `roster_import`.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sferum_portal.celery import publish

from ..errors import RuleBroken
from ..models import Institution, RosterImport, RosterImportStatus, RosterLayout
from ..roster import (
    Layout,
    RosterFileError,
    RosterPlan,
    RowError,
    check_mapping,
    find_layout,
    ignored_columns,
    plan_roster,
    propose_mapping,
    read_records,
    rows_from_records,
)
from .audit import audit

READ_TASK = "roles.tasks.read_roster_upload"
PLAN_TASK = "roles.tasks.plan_roster_upload"


def remembered_layout(institution: Institution, layout: Layout) -> RosterLayout | None:
    """The mapping chosen last time for a file of this layout, if it still fits."""
    found = RosterLayout.objects.filter(institution=institution, key=layout.key).first()
    if found is None or len(found.mapping) != len(layout.headers):
        return None
    return found


def proposed_mapping(institution: Institution, layout: Layout, kind: str = "") -> tuple:
    """(mapping, kind, remembered): the remembered mapping of this layout, else the headers
    recognised; the kind given wins over the remembered one."""
    found = remembered_layout(institution, layout)
    if found is not None:
        return list(found.mapping), kind or found.kind, True
    return propose_mapping(layout.headers), kind, False


def remember_layout(*, institution: Institution, layout: Layout, mapping: list, kind: str) -> None:
    RosterLayout.objects.update_or_create(
        institution=institution,
        key=layout.key,
        defaults={"headers": layout.headers, "mapping": mapping, "kind": kind},
    )


def _stored_layout(roster_import: RosterImport) -> Layout:
    return Layout.from_dict(roster_import.layout)


def plan_stored_import(roster_import: RosterImport) -> RosterPlan:
    """Read the stored file again and plan it with the import's mapping, kind and completeness.

    RosterFileError when the file no longer reads as it did; FileNotFoundError when it is gone.
    """
    with roster_import.file.open("rb") as fh:
        data = fh.read()
    records, _encoding = read_records(data, roster_import.original_name)
    layout = find_layout(records)
    mapping, complete = roster_import.mapping, roster_import.complete
    if not roster_import.layout:
        # Previewed before files had a mapping step: its headers recognised, and its leavers
        # (the people of its kinds missing from it) confirmed as they were then.
        mapping, complete = propose_mapping(layout.headers), True
    elif layout.key != roster_import.layout.get("key"):
        raise RosterFileError(_("The stored file no longer matches its columns; upload it again."))
    problems = check_mapping(mapping, layout.headers, kind=roster_import.kind)
    if problems:
        raise RosterFileError(" ".join(problems))
    rows = rows_from_records(records, layout, mapping, kind=roster_import.kind)
    return plan_roster(roster_import.institution, rows, complete=complete)


def preview_summary(plan: RosterPlan, roster_import: RosterImport) -> dict:
    """The plan's summary with what the preview also shows: the columns not imported, the
    kind given, whether the file was declared complete."""
    headers = roster_import.layout.get("headers", [])
    return {
        **plan.summary(),
        "ignored": ignored_columns(headers, roster_import.mapping) if headers else [],
        "kind": roster_import.kind,
    }


def discard_roster_file(roster_import: RosterImport) -> None:
    """The file holds minors' names: once applied or rejected it is no longer needed, nor are
    the first values of its columns."""
    if roster_import.status == RosterImportStatus.PREVIEW:
        return
    if roster_import.file:
        roster_import.file.delete(save=False)
    if roster_import.layout.get("samples"):
        roster_import.layout = {**roster_import.layout, "samples": []}
    roster_import.file = ""
    RosterImport.objects.filter(pk=roster_import.pk).update(file="", layout=roster_import.layout)


def reject(roster_import: RosterImport, messages_or_errors) -> None:
    """Mark the import rejected with a file-level message or the rows' errors."""
    if isinstance(messages_or_errors, str):
        errors = [RowError(row=None, messages=[messages_or_errors]).as_dict()]
    else:
        errors = [e.as_dict() for e in messages_or_errors]
    roster_import.status = RosterImportStatus.INVALID
    roster_import.errors = errors
    roster_import.finished_at = timezone.now()
    roster_import.save(update_fields=["status", "errors", "finished_at"])
    discard_roster_file(roster_import)


@transaction.atomic
def upload_roster(*, institution: Institution, data: bytes, filename: str, by) -> RosterImport:
    """Store an uploaded file and send the job that reads it; nothing is parsed here."""
    roster_import = RosterImport(
        institution=institution,
        uploaded_by=by,
        original_name=filename[:255],
        status=RosterImportStatus.READING,
        queued_at=timezone.now(),
    )
    roster_import.file.save(filename, ContentFile(data), save=False)
    roster_import.save()
    audit(
        institution=institution,
        actor=by,
        action="roster.upload",
        summary=_("Roster file uploaded: %(name)s") % {"name": roster_import.original_name},
        obj=roster_import,
        data={"bytes": len(data)},
    )
    pk = roster_import.pk
    # With the broker down the upload stays "reading" and redispatch_queued_imports sends it.
    transaction.on_commit(lambda: publish(READ_TASK, pk))
    return roster_import


def send_upload_job(*, status: str, import_id: int) -> bool:
    """Send the job an upload waits for in `status` (reading or planning) again."""
    if status == RosterImportStatus.READING:
        return publish(READ_TASK, import_id)
    return publish(PLAN_TASK, import_id)


def _still(import_id: int, status: str) -> RosterImport | None:
    """The import locked, if it is still in `status` (a repeated job finds it moved on)."""
    roster_import = RosterImport.objects.select_for_update().get(pk=import_id)
    return roster_import if roster_import.status == status else None


def _refuse(import_id: int, status: str, exc: Exception) -> None:
    message = str(exc) if isinstance(exc, RosterFileError) else _("The stored file is lost.")
    with transaction.atomic():
        if (locked := _still(import_id, status)) is not None:
            reject(locked, message)


def _fail(import_id: int, exc: Exception) -> None:
    """An unexpected error: the job is not sent again; the file is deleted."""
    RosterImport.objects.filter(pk=import_id).update(
        status=RosterImportStatus.FAILED,
        errors=[RowError(row=None, messages=[str(exc)[:500]]).as_dict()],
        finished_at=timezone.now(),
    )
    discard_roster_file(RosterImport.objects.get(pk=import_id))


def read_roster_upload(*, import_id: int) -> RosterImport:
    """Read an uploaded file (the job's body): its layout and the mapping to propose.

    The file is parsed outside any transaction (it may take seconds); a file that cannot be
    read is rejected with the reason and deleted.
    """
    roster_import = RosterImport.objects.get(pk=import_id)
    if roster_import.status != RosterImportStatus.READING:
        return roster_import
    try:
        with roster_import.file.open("rb") as fh:
            data = fh.read()
        records, encoding = read_records(data, roster_import.original_name)
        layout = find_layout(records)
        if not any(any(str(c).strip() for c in r) for r in records[layout.header_row :]):
            raise RosterFileError(_("The file has a header but no rows."))
    except (RosterFileError, FileNotFoundError) as exc:
        _refuse(import_id, RosterImportStatus.READING, exc)
        return RosterImport.objects.get(pk=import_id)
    except Exception as exc:
        _fail(import_id, exc)
        raise
    mapping, kind, remembered = proposed_mapping(roster_import.institution, layout)
    with transaction.atomic():
        locked = _still(import_id, RosterImportStatus.READING)
        if locked is not None:
            locked.layout = {**layout.as_dict(), "encoding": encoding, "remembered": remembered}
            locked.mapping = mapping
            locked.kind = kind
            locked.status = RosterImportStatus.MAPPING
            locked.save(update_fields=["layout", "mapping", "kind", "status"])
    return RosterImport.objects.get(pk=import_id)


@transaction.atomic
def choose_roster_mapping(
    *, roster_import: RosterImport, mapping: list[str], kind: str = "", complete: bool, by
) -> RosterImport:
    """The administrator's choice of what each column is: remembered for the next file of this
    layout, and the job that checks the rows is sent. RuleBroken when the mapping lacks names
    or a kind, or gives a field twice."""
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status != RosterImportStatus.MAPPING:
        raise RuleBroken(_("The columns of this file have already been chosen."))
    layout = _stored_layout(locked)
    problems = check_mapping(mapping, layout.headers, kind=kind)
    if problems:
        raise RuleBroken(problems)
    locked.mapping, locked.kind, locked.complete = list(mapping), kind, complete
    locked.status = RosterImportStatus.PLANNING
    locked.queued_at = timezone.now()
    locked.save(update_fields=["mapping", "kind", "complete", "status", "queued_at"])
    remember_layout(institution=locked.institution, layout=layout, mapping=mapping, kind=kind)
    audit(
        institution=locked.institution,
        actor=by,
        action="roster.mapping",
        summary=_("Roster columns chosen: %(name)s") % {"name": locked.original_name},
        obj=locked,
        data={"mapping": mapping, "kind": kind, "complete": complete},
    )
    pk = locked.pk
    transaction.on_commit(lambda: publish(PLAN_TASK, pk))
    return locked


@transaction.atomic
def reopen_roster_mapping(*, roster_import: RosterImport) -> RosterImport:
    """Back from the preview to the choice of columns (the file is still stored)."""
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.status != RosterImportStatus.PREVIEW or not locked.file or not locked.layout:
        raise RuleBroken(_("This file has already been imported or rejected."))
    locked.status = RosterImportStatus.MAPPING
    locked.summary = {}
    locked.save(update_fields=["status", "summary"])
    return locked


def plan_roster_upload(*, import_id: int) -> RosterImport:
    """Check the rows of a mapped file against the roster (the job's body): the preview, or
    the bad rows (the file is then rejected whole and deleted)."""
    roster_import = RosterImport.objects.get(pk=import_id)
    if roster_import.status != RosterImportStatus.PLANNING:
        return roster_import
    try:
        plan = plan_stored_import(roster_import)
    except (RosterFileError, FileNotFoundError) as exc:
        _refuse(import_id, RosterImportStatus.PLANNING, exc)
        return RosterImport.objects.get(pk=import_id)
    except Exception as exc:
        _fail(import_id, exc)
        raise
    with transaction.atomic():
        locked = _still(import_id, RosterImportStatus.PLANNING)
        if locked is not None:
            locked.rows_total = len(plan.people) + len(plan.errors)
            if plan.errors:
                locked.save(update_fields=["rows_total"])
                reject(locked, plan.errors)
            else:
                locked.summary = preview_summary(plan, locked)
                locked.status = RosterImportStatus.PREVIEW
                locked.save(update_fields=["rows_total", "summary", "status"])
    return RosterImport.objects.get(pk=import_id)


def preview_roster_import(
    *,
    institution: Institution,
    data: bytes,
    filename: str,
    by,
    kind: str = "",
    complete: bool = False,
) -> RosterImport:
    """Read, map (the remembered mapping of the layout, else the headers recognised) and check
    a roster at once, and keep the preview; an invalid file is not stored at all."""
    roster_import = RosterImport(
        institution=institution,
        uploaded_by=by,
        original_name=filename[:255],
        status=RosterImportStatus.PREVIEW,
        complete=complete,
    )
    try:
        records, encoding = read_records(data, filename)
        layout = find_layout(records)
        mapping, kind, _remembered = proposed_mapping(institution, layout, kind)
        problems = check_mapping(mapping, layout.headers, kind=kind)
        if problems:
            raise RosterFileError(" ".join(problems))
        roster_import.layout = {**layout.as_dict(), "samples": [], "encoding": encoding}
        roster_import.mapping, roster_import.kind = mapping, kind
        rows = rows_from_records(records, layout, mapping, kind=kind)
        plan = plan_roster(institution, rows, complete=complete)
    except RosterFileError as exc:
        roster_import.status = RosterImportStatus.INVALID
        roster_import.errors = [RowError(row=None, messages=[str(exc)]).as_dict()]
    else:
        roster_import.rows_total = len(plan.people) + len(plan.errors)
        if plan.errors:
            roster_import.status = RosterImportStatus.INVALID
            roster_import.errors = [e.as_dict() for e in plan.errors]
        else:
            roster_import.summary = preview_summary(plan, roster_import)
            roster_import.file.save(filename, ContentFile(data), save=False)
    roster_import.save()
    audit(
        institution=institution,
        actor=by,
        action="roster.upload",
        summary=_("Roster file checked: %(name)s") % {"name": roster_import.original_name},
        obj=roster_import,
        data={"status": roster_import.status, "errors": len(roster_import.errors)},
    )
    return roster_import
