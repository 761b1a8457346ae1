"""The roster import after its preview: confirmed (`start_roster_import`), applied by a job
(`run_roster_import` calls `apply_roster_plan`), the jobs sent again when the broker lost them
(`redispatch_queued_imports`), its progress (`roster_import_progress`) and the purge of stored
files (`purge_roster_files`). Uploading, reading, mapping and previewing a file is
`roster_upload`.

Reading and planning a file is `roles.roster` (it never writes); the changes to people already on
the roster go through the same services as a change recorded by hand (`movement`). The jobs are
sent by name (`ROSTER_IMPORT_TASK`, ...), so this module never imports `roles.tasks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sferum_portal.celery import publish

from .. import freshness
from ..errors import RuleBroken
from ..models import (
    GuardianLink,
    Membership,
    Movement,
    MovementKind,
    Person,
    PersonKind,
    RosterImport,
    RosterImportStatus,
)
from ..roster import RosterFileError, RosterPlan, RowError, link_pks
from .audit import audit
from .departments import joined_without_invitation
from .movement import end_membership, enrol, leave, transfer
from .roster_upload import (
    discard_roster_file,
    plan_stored_import,
    preview_summary,
    send_upload_job,
)
from .structure import staff_room
from .todos import portal_text
from .verification import initial_verification

ROSTER_IMPORT_TASK = "roles.tasks.apply_roster_import"
# The statuses that wait for a job.
WAITING_FOR_A_JOB = (
    RosterImportStatus.READING,
    RosterImportStatus.PLANNING,
    RosterImportStatus.QUEUED,
)


@transaction.atomic
def apply_roster_plan(
    *,
    plan: RosterPlan,
    by,
    effective_date: dt.date | None = None,
    order_number: str = "",
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Write a valid plan in one transaction: all of it or, on any error, nothing.

    New people are written in bulk; the few changes to people already on the roster go through
    the same movement services as a change recorded by hand, with their to-dos.
    """
    if not plan.is_valid:
        raise RuleBroken(_("The roster has errors; nothing was imported."))
    institution = plan.institution
    on = effective_date or institution.local_today()
    note = portal_text(gettext_noop("roster import"))
    summary = plan.summary()
    created = plan.created
    new_people = [
        Person(
            institution=institution,
            last_name=item.row.last_name,
            first_name=item.row.first_name,
            patronymic=item.row.patronymic,
            kind=item.kind,
            external_id=item.row.external_id,
            birth_date_hash=item.birth_hash,
        )
        for item in created
    ]
    for person in new_people:
        person.update_search_key()
    Person.objects.bulk_create(new_people, batch_size=1000)
    the_staff_room = staff_room(institution)
    memberships, movements = [], []
    for done, (item, person) in enumerate(zip(created, new_people, strict=True), start=1):
        item.person = person
        units = ([the_staff_room] if item.kind == PersonKind.STAFF else []) + item.units
        for unit in units:
            memberships.append(
                Membership(
                    person=person,
                    unit=unit,
                    role=item.role,
                    start_date=on,
                    verification=initial_verification(None, item.role),
                )
            )
            movements.append(
                Movement(
                    institution=institution,
                    person=person,
                    kind=MovementKind.ENROL,
                    to_unit=unit,
                    role=item.role,
                    effective_date=on,
                    order_number=order_number,
                    note=note,
                    recorded_by=by,
                )
            )
        if progress and done % 1000 == 0:
            progress(done)
    Membership.objects.bulk_create(memberships, batch_size=1000)
    Movement.objects.bulk_create(movements, batch_size=1000)

    updated = []
    created_ids = {id(item) for item in created}
    for item in plan.people:
        person = item.person
        if person is None or id(item) in created_ids:
            continue
        touched = False
        if item.name_changed:
            person.last_name = item.row.last_name
            person.first_name = item.row.first_name
            person.patronymic = item.row.patronymic or person.patronymic
            touched = True
        if item.id_assigned:
            person.external_id = item.row.external_id
            touched = True
        if item.birth_hash and person.birth_date_hash != item.birth_hash:
            person.birth_date_hash = item.birth_hash  # never the date itself
            touched = True
        if touched:
            person.update_search_key()
            updated.append(person)
    Person.objects.bulk_update(
        updated,
        ["last_name", "first_name", "patronymic", "external_id", "birth_date_hash", "search_key"],
        batch_size=1000,
    )

    for item, from_unit, to_unit in plan.transfers:
        transfer(
            person=item.person,
            from_unit=from_unit,
            to_unit=to_unit,
            effective_date=on,
            order_number=order_number,
            note=note,
            by=by,
        )
    for item, unit in plan.additions:
        membership = enrol(
            person=item.person,
            unit=unit,
            role=item.role,
            effective_date=on,
            order_number=order_number,
            note=note,
            by=by,
        )
        joined_without_invitation(membership)
    for _item, membership in plan.endings:
        end_membership(
            membership=membership, effective_date=on, order_number=order_number, note=note, by=by
        )
    for person in plan.leavers:
        leave(person=person, effective_date=on, order_number=order_number, note=note, by=by)

    if plan.guardian_links:
        GuardianLink.objects.bulk_create(
            [GuardianLink(parent_id=p, student_id=s) for p, s in link_pks(plan.guardian_links)],
            batch_size=1000,
            ignore_conflicts=True,
        )
    if progress:
        progress(len(plan.people))
    audit(
        institution=institution,
        actor=by,
        action="roster.import",
        summary=_("Roster imported: %(created)d added, %(changed)d changed, %(ended)d left")
        % summary,
        data={k: summary[k] for k in ("rows", "created", "changed", "ended", "unchanged")},
    )
    # Written in bulk, without signals: the institution's overview is read afresh.
    freshness.touch([institution.pk])
    return summary


def _progress_key(import_id: int) -> str:
    return f"roster-import:{import_id}:done"


def roster_import_progress(roster_import: RosterImport) -> int:
    """People written so far: kept in the cache, since the import's own transaction hides them."""
    if roster_import.status == RosterImportStatus.QUEUED:
        return cache.get(_progress_key(roster_import.pk), 0)
    return roster_import.rows_done


@transaction.atomic
def start_roster_import(
    *, roster_import: RosterImport, by, confirm_leavers: bool = False
) -> RosterImport:
    """Queue a previewed import; a second click does not import twice.

    People the preview showed as leaving leave only with the administrator's explicit
    confirmation, and only those: the import refuses to run if more would leave by then.
    """
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if roster_import.status != RosterImportStatus.PREVIEW:
        raise RuleBroken(_("This file has already been imported or rejected."))
    if not roster_import.file:
        raise RuleBroken(_("The uploaded file has been deleted; upload it again."))
    leavers = roster_import.summary.get("leaver_ids", [])
    if leavers and not confirm_leavers:
        raise RuleBroken(
            _("Confirm that the people missing from the file are recorded as having left.")
        )
    roster_import.confirmed_leavers = leavers
    roster_import.status = RosterImportStatus.QUEUED
    roster_import.queued_at = timezone.now()
    roster_import.save(update_fields=["status", "confirmed_leavers", "queued_at"])
    pk = roster_import.pk
    # With the broker down the import stays queued and redispatch_queued_imports sends it later.
    transaction.on_commit(lambda: publish(ROSTER_IMPORT_TASK, pk))
    return roster_import


def redispatch_queued_imports(*, older_than: dt.timedelta | None = None) -> int:
    """Send again the jobs of uploads waiting to be read or checked and of imports queued, for
    longer than `older_than` and not running now.

    A job is lost when the broker was down at the moment of uploading, choosing the columns or
    confirming (or lost its queue). Sending one twice is harmless: each job acts only on an
    import still in its status, and run_roster_import locks the row and applies a queued import
    only once. Returns how many were sent.
    """
    if older_than is None:
        older_than = dt.timedelta(minutes=settings.JOB_REDISPATCH_AFTER_MINUTES)
    with transaction.atomic():
        # A running import holds its row's lock for the whole import: skip those.
        waiting = list(
            RosterImport.objects.select_for_update(skip_locked=True)
            .filter(status__in=WAITING_FOR_A_JOB, queued_at__lte=timezone.now() - older_than)
            .values_list("pk", "status")
        )
    return sum(_send_again(status, pk) for pk, status in waiting)


def _send_again(status: str, pk: int) -> bool:
    if status == RosterImportStatus.QUEUED:
        return publish(ROSTER_IMPORT_TASK, pk)
    return send_upload_job(status=status, import_id=pk)


def run_roster_import(*, import_id: int) -> RosterImport:
    """Apply a queued import (the Celery task's body).

    The database may have changed since the preview, so the file is checked again and rejected
    whole if it no longer fits. The import row stays locked in the import's own transaction: a
    worker killed half-way leaves nothing written and the import still queued, so the broker's
    redelivery runs it again, and a duplicate delivery waits and then finds it done.
    """
    try:
        with transaction.atomic():
            roster_import = RosterImport.objects.select_for_update().get(pk=import_id)
            if roster_import.status != RosterImportStatus.QUEUED:
                return roster_import
            plan = plan_stored_import(roster_import)
            unconfirmed = {p.pk for p in plan.leavers} - set(roster_import.confirmed_leavers)
            if plan.errors:
                roster_import.status = RosterImportStatus.INVALID
                roster_import.errors = [e.as_dict() for e in plan.errors]
            elif unconfirmed:
                roster_import.status = RosterImportStatus.INVALID
                roster_import.errors = [
                    RowError(
                        row=None,
                        messages=[
                            _(
                                "The roster changed since the preview: more people would leave "
                                "than you confirmed. Upload the file again and check it."
                            )
                        ],
                    ).as_dict()
                ]
            else:
                key = _progress_key(roster_import.pk)
                summary = preview_summary(plan, roster_import)  # before the people exist
                apply_roster_plan(
                    plan=plan,
                    by=roster_import.uploaded_by,
                    progress=lambda n: cache.set(key, n, 3600),
                )
                roster_import.summary = summary
                roster_import.status = RosterImportStatus.DONE
                roster_import.rows_done = roster_import.rows_total
            roster_import.finished_at = timezone.now()
            roster_import.save(
                update_fields=["status", "errors", "summary", "rows_done", "finished_at"]
            )
    except RosterFileError as exc:
        _finish_unapplied(import_id, RosterImportStatus.INVALID, str(exc))
    except Exception as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _finish_unapplied(import_id, RosterImportStatus.FAILED, message[:500])
        discard_roster_file(RosterImport.objects.get(pk=import_id))
        raise
    roster_import = RosterImport.objects.get(pk=import_id)
    discard_roster_file(roster_import)
    return roster_import


def _finish_unapplied(import_id: int, status: str, message: str) -> None:
    RosterImport.objects.filter(pk=import_id).update(
        status=status,
        errors=[RowError(row=None, messages=[message]).as_dict()],
        finished_at=timezone.now(),
    )


def purge_roster_files(*, older_than_days: int | None = None) -> int:
    """Delete stored files (and the first values of their columns) of uploads never imported:
    previews never confirmed, files whose columns were never chosen. Returns how many."""
    days = settings.ROSTER_FILE_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    stale = list(
        RosterImport.objects.filter(
            created_at__lt=cutoff,
            status__in=[RosterImportStatus.PREVIEW, RosterImportStatus.MAPPING],
        ).exclude(file="")
    )
    for roster_import in stale:
        roster_import.file.delete(save=False)
        layout = {**roster_import.layout, "samples": []} if roster_import.layout else {}
        RosterImport.objects.filter(pk=roster_import.pk).update(file="", layout=layout)
    forget_roster_names(cutoff=cutoff)
    return len(stale)


def forget_roster_names(*, cutoff: dt.datetime) -> int:
    """Past the retention period an import keeps its figures, not the names it showed: the
    rejected rows' messages (they quote names), the samples of the preview and the first
    values of the columns go (152-ФЗ: minors' names kept no longer than needed)."""
    forgotten = 0
    old = RosterImport.objects.filter(created_at__lt=cutoff).exclude(
        errors=[], summary={}, layout={}
    )
    for roster_import in old.only("pk", "errors", "summary", "layout").iterator():
        summary = {k: v for k, v in (roster_import.summary or {}).items() if k != "samples"}
        layout = {k: v for k, v in (roster_import.layout or {}).items() if k != "samples"}
        errors = [{"row": e.get("row"), "messages": []} for e in roster_import.errors or []]
        if (summary, layout, errors) != (
            roster_import.summary,
            roster_import.layout,
            roster_import.errors,
        ):
            RosterImport.objects.filter(pk=roster_import.pk).update(
                summary=summary, layout=layout, errors=errors
            )
            forgotten += 1
    return forgotten
