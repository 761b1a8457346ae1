"""The daily rollup: a fixed number of aggregate queries per time zone, upserted.

"A day" is the institution's local day: institutions are grouped by time zone (a handful), and
each group's day runs from its local midnight to the next. The rollup reads the other apps'
tables and writes only snapshots; a rerun, or a run after a worker was killed half-way, writes
the same rows (upserts on the unique keys).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from channels_app.models import Event, EventStatus, Post, PostState
from chats import rules as chat_rules
from chats import selectors as chat_selectors
from chats.models import ChatMember, ChatReconciliation, MemberState
from invitations.models import Invitation, InvitationUse, JoinRequest, RevokeReason
from roles.models import Institution, Membership, Movement, Role, UnitKind, Verification
from sferum_portal.celery import publish

from .models import INSTITUTION_METRICS, UNIT_METRICS, FillState, UnitSnapshot, UsageSnapshot

CLASS_CHAT_KINDS = list(chat_rules.CLASS_CHAT_KINDS)
# In the order of CLASS_CHAT_KINDS (the `has_<kind>` columns of `with_chat_state`).
CLASS_REQUIREMENTS = [r for r in chat_rules.REQUIREMENTS if r.scope == "class"]
# The roles whose presence in the class chats is counted, and their figures' prefix.
PRESENCE = {Role.STUDENT: "students", Role.PARENT: "parents", Role.TEACHER: "teachers"}


def _bounds(day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def default_day(institution: Institution | None = None) -> dt.date:
    """Yesterday: the last complete day (in the institution's zone, or the server's)."""
    today = institution.local_today() if institution else timezone.localdate()
    return today - dt.timedelta(days=1)


# A region whose worker was down for longer catches up this far back, not to the beginning.
MAX_CATCH_UP_DAYS = 366


def rollup(*, day: dt.date | None = None, institution: Institution | None = None) -> int:
    """Write the snapshots of every institution (or one). Returns rows written.

    With `day`, that one day (a backfill or a recalculation; the fill state is left alone).
    Without it, every local day from each institution's last complete one up to yesterday (its
    fill state): a new institution starts with yesterday.
    """
    institutions = (
        Institution.objects.filter(pk=institution.pk) if institution else Institution.objects.all()
    )
    zones: dict[str, list[int]] = defaultdict(list)
    for pk, zone in institutions.values_list("pk", "timezone"):
        zones[zone].append(pk)
    if day is not None:
        return sum(_rollup_group(ids, day, zone) for zone, ids in zones.items())
    last_days = dict(
        FillState.objects.filter(institution_id__in=[pk for ids in zones.values() for pk in ids])
        .exclude(last_day__isnull=True)
        .values_list("institution_id", "last_day")
    )
    written = 0
    for zone, ids in zones.items():
        yesterday = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date() - dt.timedelta(days=1)
        oldest = yesterday - dt.timedelta(days=MAX_CATCH_UP_DAYS)
        # The last complete day is filled again: its figures may have changed since (a late
        # decision on a join request counts on the day it was made, but a rerun is cheap).
        first = {pk: max(oldest, min(last_days.get(pk, yesterday), yesterday)) for pk in ids}
        the_day = min(first.values())
        while the_day <= yesterday:
            due = [pk for pk in ids if first[pk] <= the_day]
            _mark_started(due, the_day)
            written += _rollup_group(due, the_day, zone, fill=True)
            the_day += dt.timedelta(days=1)
    return written


def _mark_started(ids: list[int], day: dt.date) -> None:
    """Committed before the fill, so that a fill that dies half-way shows as started."""
    FillState.objects.bulk_create(
        [
            FillState(institution_id=pk, state=FillState.State.STARTED, filling_day=day)
            for pk in ids
        ],
        update_conflicts=True,
        unique_fields=["institution"],
        update_fields=["state", "filling_day", "updated_at"],
    )


def _rollup_group(ids: list[int], day: dt.date, zone: str, *, fill: bool = False) -> int:
    start, end = _bounds(day, zone)
    now = timezone.now()
    # Today so far ("recalculate now"): the same figures, up to this moment (an invitation that
    # expires tonight has not expired yet).
    end = min(end, now)
    in_force = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))
    joined = Q(joined_at__lt=end)
    # Verified by the end of that day (a backfill must not count a later decision).
    verified = Q(verification=Verification.VERIFIED) & (
        Q(verified_at__lt=end) | Q(verified_at__isnull=True)
    )
    members = Membership.objects.filter(in_force, unit__institution_id__in=ids)

    rows: dict[int, dict] = {pk: {name: 0 for name, _l in INSTITUTION_METRICS} for pk in ids}
    for row in rows.values():
        row["join_request_wait_hours"] = None

    # People by role, joined and verified: one query.
    for r in members.values("unit__institution_id", "role").annotate(
        total=Count("person", distinct=True),
        joined=Count("person", filter=joined, distinct=True),
        verified=Count("person", filter=verified, distinct=True),
    ):
        target = rows[r["unit__institution_id"]]
        prefix = {Role.TEACHER: "teachers", Role.STUDENT: "students", Role.PARENT: "parents"}.get(
            r["role"]
        )
        if prefix:
            target[f"{prefix}_total"] = r["total"]
            target[f"{prefix}_joined"] = r["joined"]
        if r["role"] == Role.TEACHER:
            target["teachers_verified"] = r["verified"]

    # Classes that existed that day, with their state (`chats.selectors.class_states`, the
    # board's own definition of «a class with its chats»), then their people: two queries.
    classes = [
        (r["id"], r["institution_id"], r["teachers"], r["verified"], r["state"])
        + tuple(r[f"has_{kind}"] for kind in CLASS_CHAT_KINDS)
        for r in chat_selectors.class_states(institution_ids=ids, day=day, end=end)
    ]
    units: dict[int, dict] = {
        pk: {"institution_id": inst, **{name: 0 for name, _l in UNIT_METRICS}}
        for pk, inst, *_rest in classes
    }
    for r in (
        members.filter(unit_id__in=list(units))
        .values("unit_id", "role")
        .annotate(
            total=Count("person", distinct=True),
            joined=Count("person", filter=joined, distinct=True),
        )
    ):
        target = units[r["unit_id"]]
        if r["role"] == Role.STUDENT:
            target["students_total"], target["students_joined"] = r["total"], r["joined"]
        elif r["role"] == Role.PARENT:
            target["parents_total"], target["parents_joined"] = r["total"], r["joined"]
        elif r["role"] == Role.TEACHER:
            target["teachers_total"] = r["total"]

    # Who is really in the class chats at the end of the day (reconciled chats only): people
    # per class and role, and per institution and role (a person counted once); the classes
    # with a reconciled chat. Three queries.
    class_chats = Q(
        Q(chat__archived_at__isnull=True) | Q(chat__archived_at__gte=end),
        chat__unit_id__in=list(units),
        chat__kind__in=CLASS_CHAT_KINDS,
        chat__created_at__lt=end,
    )
    present_members = ChatMember.objects.filter(
        class_chats, state=MemberState.PRESENT, since__lt=end, role__in=list(PRESENCE)
    )
    for r in present_members.values("chat__unit_id", "role").annotate(
        n=Count("person", distinct=True)
    ):
        units[r["chat__unit_id"]][f"{PRESENCE[r['role']]}_in_chat"] = r["n"]
    for r in present_members.values("institution_id", "role").annotate(
        n=Count("person", distinct=True)
    ):
        rows[r["institution_id"]][f"{PRESENCE[r['role']]}_in_chats"] = r["n"]
    for r in (
        ChatReconciliation.objects.filter(class_chats, checked_at__lt=end)
        .values("chat__unit_id")
        .annotate(n=Count("pk"))
    ):
        units[r["chat__unit_id"]]["chats_reconciled"] = r["n"]
    for pk, inst, teachers, verified_teachers, state, *present in classes:
        target = units[pk]
        if target["chats_reconciled"]:
            rows[inst]["classes_reconciled"] += 1
        required = [
            (r.kind, has)
            for r, has in zip(CLASS_REQUIREMENTS, present, strict=True)
            if chat_rules.applies(
                r, unit_kind=UnitKind.CLASS, teachers=teachers, verified_teachers=verified_teachers
            )
        ]
        target["chats_required"] = len(required)
        target["chats_present"] = sum(bool(has) for _kind, has in required)
        rows[inst]["classes_total"] += 1
        if state == chat_rules.ClassState.COMPLETE:
            rows[inst]["classes_with_chats"] += 1

    # Invitations of the day: two queries.
    day_window = Q(created_at__gte=start, created_at__lt=end)
    for r in (
        Invitation.objects.filter(institution_id__in=ids)
        .values("institution_id")
        .annotate(
            issued=Count("pk", filter=day_window),
            expired=Count(
                "pk",
                filter=Q(expires_at__gte=start, expires_at__lt=end, uses_count=0)
                & (Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("expires_at"))),
            ),
            annulled=Count(
                "pk",
                filter=Q(
                    revoked_at__gte=start,
                    revoked_at__lt=end,
                    revoke_reason=RevokeReason.UNCLAIMED,
                ),
            ),
        )
    ):
        target = rows[r["institution_id"]]
        target["invitations_issued"] = r["issued"]
        target["invitations_expired"] = r["expired"]
        target["invitations_annulled"] = r["annulled"]
    for r in (
        InvitationUse.objects.filter(
            invitation__institution_id__in=ids, used_at__gte=start, used_at__lt=end
        )
        .values("invitation__institution_id")
        .annotate(n=Count("pk"))
    ):
        rows[r["invitation__institution_id"]]["invitations_used"] = r["n"]

    # Join requests waiting at the end of the day, and how long the decided ones waited.
    for r in (
        JoinRequest.objects.filter(institution_id__in=ids)
        .values("institution_id")
        .annotate(
            waiting=Count(
                "pk",
                filter=Q(created_at__lt=end)
                & (Q(decided_at__isnull=True) | Q(decided_at__gte=end)),
            ),
            waited=Avg(
                F("decided_at") - F("created_at"),
                filter=Q(decided_at__gte=start, decided_at__lt=end),
            ),
        )
    ):
        target = rows[r["institution_id"]]
        target["join_requests_waiting"] = r["waiting"]
        waited = r["waited"]
        if waited is not None:
            seconds = waited.total_seconds() if isinstance(waited, dt.timedelta) else waited / 1e6
            target["join_request_wait_hours"] = round(seconds / 3600, 2)

    # Movements effective that day: one query.
    for r in (
        Movement.objects.filter(institution_id__in=ids, effective_date=day)
        .values("institution_id")
        .annotate(n=Count("pk"))
    ):
        rows[r["institution_id"]]["movements"] = r["n"]

    # Posts published in the portal and events held that day (by their start): two queries.
    for r in (
        Post.objects.filter(
            institution_id__in=ids,
            state=PostState.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
        )
        .values("institution_id")
        .annotate(n=Count("pk"))
    ):
        rows[r["institution_id"]]["posts_published"] = r["n"]
    for r in (
        Event.objects.filter(
            institution_id__in=ids,
            status=EventStatus.HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values("institution_id")
        .annotate(n=Count("pk"))
    ):
        rows[r["institution_id"]]["events_held"] = r["n"]

    institution_fields = [name for name, _l in INSTITUTION_METRICS] + ["computed_at"]
    unit_fields = [name for name, _l in UNIT_METRICS] + ["computed_at"]
    with transaction.atomic():
        UsageSnapshot.objects.bulk_create(
            [
                UsageSnapshot(institution_id=pk, day=day, computed_at=now, **values)
                for pk, values in rows.items()
            ],
            update_conflicts=True,
            unique_fields=["institution", "day"],
            update_fields=institution_fields,
        )
        UnitSnapshot.objects.bulk_create(
            [
                UnitSnapshot(
                    unit_id=pk,
                    day=day,
                    computed_at=now,
                    **{k: v for k, v in values.items()},
                )
                for pk, values in units.items()
            ],
            update_conflicts=True,
            unique_fields=["unit", "day"],
            update_fields=unit_fields,
        )
        if fill:
            # In the snapshots' own transaction: the day is complete exactly when they are.
            FillState.objects.bulk_create(
                [
                    FillState(
                        institution_id=pk,
                        last_day=day,
                        state=FillState.State.DONE,
                        filling_day=None,
                        updated_at=now,
                    )
                    for pk in ids
                ],
                update_conflicts=True,
                unique_fields=["institution"],
                update_fields=["last_day", "state", "filling_day", "updated_at"],
            )
    return len(rows) + len(units)


def _running_key(institution_id: int) -> str:
    return f"stats-rollup-running:{institution_id}"


def mark_rollup_queued(*, institution: Institution) -> None:
    """The page shows that a recalculation is on its way until the job clears this."""
    cache.set(_running_key(institution.pk), True, timeout=15 * 60)


def request_rollup_now(*, institution: Institution) -> None:
    """ "Recalculate now": a job for the worker, or, when the broker cannot take it, the
    recalculation itself in this request (one institution takes well under a second), so that
    the request is never lost."""
    mark_rollup_queued(institution=institution)
    transaction.on_commit(
        lambda: (
            publish("stats.tasks.rollup_stats", institution.pk)
            or rollup_now(institution=institution)
        )
    )


def rollup_in_progress(*, institution: Institution) -> bool:
    return bool(cache.get(_running_key(institution.pk)))


def rollup_now(*, institution: Institution) -> int:
    """The "recalculate now" job: yesterday and today so far, then the flag is cleared."""
    try:
        written = rollup(institution=institution)
        return written + rollup(day=institution.local_today(), institution=institution)
    finally:
        cache.delete(_running_key(institution.pk))


def rollup_range(*, start: dt.date, end: dt.date, institution: Institution | None = None) -> int:
    """Backfill: every day from `start` to `end` inclusive."""
    written, day = 0, start
    while day <= end:
        written += rollup(day=day, institution=institution)
        day += dt.timedelta(days=1)
    return written
