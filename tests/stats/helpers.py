"""Builders of hand-counted statistics fixtures.

The clock is never faked: every fact is dated by setting its timestamps with queryset updates, in
the institution's own local time, so that the day it belongs to is chosen by the test.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import F

from chats.models import Chat, ChatKind, Platform
from invitations import services as invitation_services
from invitations.models import (
    Invitation,
    InvitationUse,
    JoinRequest,
    JoinRequestStatus,
)
from roles import services as roles_services
from roles.models import (
    Institution,
    Membership,
    Person,
    PersonKind,
    Role,
    Unit,
    UnitKind,
    Verification,
)
from stats.models import INSTITUTION_METRICS, UNIT_METRICS, UnitSnapshot, UsageSnapshot

from ..factories import START, make_person

_seq = itertools.count(1)

# The day most tests roll up: a school Tuesday well inside the test data's academic year and in
# the past of any test run (memberships start on START, 2025-09-01).
D = dt.date(2026, 3, 10)
DAY = dt.timedelta(days=1)
LONG_AGO = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.UTC)

METRICS = [name for name, _label in INSTITUTION_METRICS]
CLASS_METRICS = [name for name, _label in UNIT_METRICS]
CLASS_CHATS = (ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS)


def at(institution: Institution, day: dt.date, hour: int = 12, minute: int = 0, second: int = 0):
    """A moment of the institution's local day."""
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=institution.tzinfo)


def klass(
    institution: Institution,
    name: str,
    *,
    created: dt.datetime = LONG_AGO,
    archived: dt.datetime | None = None,
) -> Unit:
    """A class created (and archived) when the test says."""
    unit = roles_services.create_unit(institution=institution, kind=UnitKind.CLASS, name=name)
    Unit.objects.filter(pk=unit.pk).update(created_at=created, archived_at=archived)
    unit.refresh_from_db()
    return unit


def archive(unit: Unit, when: dt.datetime) -> None:
    """The class was archived at `when`: its memberships in force end on that local day."""
    day = when.astimezone(unit.institution.tzinfo).date()
    Membership.objects.filter(unit=unit, end_date__isnull=True).update(end_date=day)
    Unit.objects.filter(pk=unit.pk).update(archived_at=when)
    unit.refresh_from_db()


def member(
    unit: Unit,
    role: str,
    *,
    joined: dt.datetime | None = None,
    start: dt.date = START,
    end: dt.date | None = None,
    person: Person | None = None,
) -> Person:
    """A roster person holding `role` in `unit` from `start` (until `end`), joined at `joined`."""
    if person is None:
        kind = {Role.STUDENT: PersonKind.STUDENT, Role.PARENT: PersonKind.PARENT}.get(
            role, PersonKind.STAFF
        )
        person = make_person(unit.institution, kind=kind)
    membership = roles_services.enrol(person=person, unit=unit, role=role, effective_date=start)
    Membership.objects.filter(pk=membership.pk).update(joined_at=joined, end_date=end)
    return person


def teacher(
    institution: Institution,
    *units: Unit,
    verified: bool = True,
    start: dt.date = START,
    end: dt.date | None = None,
) -> Person:
    """A teacher in the staff room and in `units`, with Sferum's «учитель» status if asked."""
    person = make_person(institution, kind=PersonKind.STAFF)
    for unit in [roles_services.staff_room(institution), *units]:
        member(unit, Role.TEACHER, person=person, start=start, end=end)
    Membership.objects.filter(person=person).update(
        verification=Verification.VERIFIED if verified else Verification.PENDING,
        verified_at=LONG_AGO if verified else None,
    )
    return person


def join(person: Person, unit: Unit, when: dt.datetime) -> None:
    """The person joined `unit` in Sferum at `when`."""
    assert Membership.objects.filter(person=person, unit=unit).update(joined_at=when)


def chat(
    unit: Unit,
    kind: str,
    *,
    created: dt.datetime = LONG_AGO,
    archived: dt.datetime | None = None,
) -> Chat:
    """A registered chat of the unit, valid as the registry requires."""
    n = next(_seq)
    item = Chat(
        institution=unit.institution,
        kind=kind,
        unit=unit,
        title=f"Чат {n} — {unit}",
        platform=Platform.VK,
        link=f"https://vk.me/join/Stats{n:06d}x",
        created_at=created,
        archived_at=archived,
    )
    item.full_clean()
    item.save()
    return item


def invitation(
    unit: Unit,
    *,
    created: dt.datetime,
    expires: dt.datetime | None = None,
    uses: int = 0,
    revoked: dt.datetime | None = None,
    reason: str = "",
    role: str = Role.STUDENT,
) -> Invitation:
    """A class-wide link issued through the service, then dated as the test says."""
    item, _token = invitation_services.create_invitation(
        unit=unit, role=role, created_by=None, max_uses=None, send=False
    )
    Invitation.objects.filter(pk=item.pk).update(
        created_at=created,
        expires_at=expires or created + 7 * DAY,
        uses_count=uses,
        revoked_at=revoked,
        revoke_reason=reason if revoked else "",
    )
    item.refresh_from_db()
    return item


def use(item: Invitation, when: dt.datetime) -> InvitationUse:
    """One use of the link at `when`."""
    Invitation.objects.filter(pk=item.pk).update(uses_count=F("uses_count") + 1)
    return InvitationUse.objects.create(invitation=item, used_at=when)


def join_request(
    item: Invitation, *, created: dt.datetime, decided: dt.datetime | None = None
) -> JoinRequest:
    return JoinRequest.objects.create(
        institution=item.institution,
        invitation=item,
        unit=item.unit,
        role=item.role,
        last_name="Заявкина",
        first_name=f"Анна {next(_seq)}",
        created_at=created,
        status=JoinRequestStatus.APPROVED if decided else JoinRequestStatus.PENDING,
        decided_at=decided,
    )


def figures(institution: Institution, day: dt.date) -> dict:
    """The institution's snapshot of the day, as {metric: value}."""
    snap = UsageSnapshot.objects.get(institution=institution, day=day)
    return {name: getattr(snap, name) for name in METRICS}


def class_figures(unit: Unit, day: dt.date) -> dict:
    snap = UnitSnapshot.objects.get(unit=unit, day=day)
    return {name: getattr(snap, name) for name in CLASS_METRICS}


def all_rows() -> dict:
    """Every snapshot row, keyed by its natural key, with every field except computed_at."""
    rows = {}
    for row in UsageSnapshot.objects.values():
        row.pop("computed_at")
        rows[("institution", row["institution_id"], row["day"])] = row
    for row in UnitSnapshot.objects.values():
        row.pop("computed_at")
        rows[("unit", row["unit_id"], row["day"])] = row
    return rows


def small_school(institution: Institution, day: dt.date, *, classes: int = 1) -> None:
    """A few rows of every kind the rollup reads, all falling on `day`."""
    for n in range(classes):
        unit = klass(institution, f"{n + 1}А")
        teacher(institution, unit)
        member(unit, Role.STUDENT, joined=at(institution, day, 9))
        member(unit, Role.STUDENT)
        member(unit, Role.PARENT, joined=at(institution, day, 10))
        chat(unit, ChatKind.CLASS_STUDENTS)
        link = invitation(unit, created=at(institution, day, 8))
        use(link, at(institution, day, 9))
        join_request(link, created=at(institution, day, 9), decided=at(institution, day, 11))
        join_request(link, created=at(institution, day, 10))
    roles_services.enrol(
        person=make_person(institution, kind=PersonKind.STUDENT),
        unit=unit,
        role=Role.STUDENT,
        effective_date=day,
    )
