"""Fixtures of the statistics tests: a hand-counted school and the people who look at it."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from channels_app.models import Channel, Event, EventKind, EventStatus, Post, PostState
from chats.models import ChatKind
from invitations.models import RevokeReason
from roles import services as roles_services
from roles.models import Role, UnitKind
from stats import services as stats_services

from ..factories import UserFactory, make_institution, make_member, make_unit
from .helpers import (
    DAY,
    D,
    archive,
    at,
    chat,
    invitation,
    join,
    join_request,
    klass,
    member,
    teacher,
    use,
)
from .helpers import small_school as build_small_school


@pytest.fixture(autouse=True)
def default_time_zone():
    """Views activate the institution's zone: do not carry it into the next test."""
    yield
    timezone.deactivate()


@pytest.fixture
def school(db):
    """A Moscow school whose every figure of day D (and some of D-1) is counted by hand in
    test_rollup.py; comments give each fact's effect on D."""
    inst = make_institution("Школа № 1", timezone="Europe/Moscow")
    t = SimpleNamespace(institution=inst)

    def local(day, *hms):
        return at(inst, day, *hms)

    # Classes: 7А was archived during D, 8А created after it, 9А archived after it.
    t.c5a, t.c5b, t.c6a = klass(inst, "5А"), klass(inst, "5Б"), klass(inst, "6А")
    t.c7a, t.c9a = klass(inst, "7А"), klass(inst, "9А")
    t.c8a = klass(inst, "8А", created=local(D + DAY, 10))
    department = make_unit(inst, UnitKind.DEPARTMENT, "Кафедра")
    staff_room = roles_services.staff_room(inst)

    # Teachers: 3 in force (t1, t2, t3); t1 and t2 verified; only t1 joined by the end of D.
    t.t1 = teacher(inst, t.c5a, department)
    join(t.t1, t.c5a, local(D, 10))  # joined in one of three units: joined
    t.t2 = teacher(inst, t.c5b)
    t.t3 = teacher(inst, t.c6a, verified=False)
    join(t.t3, staff_room, local(D + DAY, 1))  # after the end of D
    teacher(inst, t.c9a, end=D - 5 * DAY)  # left before D: 9А has no teacher on D
    teacher(inst, start=D + 3 * DAY)  # starts after D
    director = member(staff_room, Role.DIRECTOR, joined=local(D - 30 * DAY))  # not a teacher
    assert director

    # Students: on D 9 in force, 4 joined.
    member(t.c5a, Role.STUDENT, joined=local(D, 9))
    member(t.c5a, Role.STUDENT, joined=local(D, 23, 30))
    member(t.c5a, Role.STUDENT)
    member(t.c5a, Role.STUDENT, joined=local(D + DAY, 0, 30))  # after the end of D
    leaver = member(t.c5a, Role.STUDENT, joined=local(D - 40 * DAY))
    roles_services.leave(person=leaver, effective_date=D - DAY)  # a movement of D-1
    member(t.c5b, Role.STUDENT, joined=local(D - 3 * DAY, 12))
    mover = member(t.c5b, Role.STUDENT, joined=local(D - 20 * DAY))
    roles_services.transfer(  # a movement of D; not yet joined in 6А
        person=mover, from_unit=t.c5b, to_unit=t.c6a, effective_date=D
    )
    member(t.c5b, Role.STUDENT, start=D)  # enrolled on D: a movement of D
    member(t.c6a, Role.STUDENT)
    member(t.c7a, Role.STUDENT, joined=local(D - 10 * DAY))  # 7А archived during D
    member(t.c9a, Role.STUDENT, joined=local(D, 8))
    member(t.c5a, Role.STUDENT, start=D + DAY)  # a movement of D+1
    archive(t.c7a, local(D, 12))
    archive(t.c9a, local(D + DAY, 9))

    # Parents: 4 in force, 3 joined; one parent has children in 5А and 6А.
    member(t.c5a, Role.PARENT, joined=local(D, 12))
    member(t.c5a, Role.PARENT)
    member(t.c5b, Role.PARENT, joined=local(D, 23, 59, 59))
    both = member(t.c5a, Role.PARENT, joined=local(D - 2 * DAY))
    member(t.c6a, Role.PARENT, person=both)

    # Class chats: only 5А has both at the end of D.
    chat(t.c5a, ChatKind.CLASS_STUDENTS, archived=local(D + DAY, 10))  # archived after D
    chat(t.c5a, ChatKind.CLASS_PARENTS, created=local(D, 23))
    chat(t.c5a, ChatKind.OTHER)
    chat(t.c5b, ChatKind.CLASS_STUDENTS)
    chat(t.c5b, ChatKind.CLASS_PARENTS, archived=local(D, 15))  # archived during D
    chat(t.c5b, ChatKind.CLASS_PARENTS, created=local(D + DAY, 1))  # created after D
    for unit in (t.c6a, t.c9a):  # no verified teacher: no chat required
        chat(unit, ChatKind.CLASS_STUDENTS)
        chat(unit, ChatKind.CLASS_PARENTS)
    chat(department, ChatKind.DEPARTMENT_TEACHERS)

    # Invitations: issued 2, used 3, expired unused 2, annulled as unclaimed 2.
    early = local(D - 10 * DAY)
    first = invitation(t.c5a, created=local(D, 0, 0, 0))  # the first instant of D
    use(first, local(D, 11))
    use(first, local(D, 23, 50))
    invitation(t.c5a, created=local(D, 23, 30))
    late_use = invitation(t.c5a, created=local(D - DAY, 23, 59))  # issued on D-1
    use(late_use, local(D + DAY, 0, 10))
    invitation(t.c5a, created=local(D + DAY, 0, 0, 0))
    invitation(t.c5a, created=early, expires=local(D, 10))  # expired unused
    used = invitation(t.c5a, created=early, expires=local(D, 11))
    use(used, local(D, 10))  # used, then expired: not "unused"
    invitation(  # revoked by hand before it expired: neither
        t.c5a,
        created=early,
        expires=local(D, 12),
        revoked=local(D, 9),
        reason=RevokeReason.MANUAL,
    )
    invitation(  # expired unused, then annulled the same day: both
        t.c5a,
        created=early,
        expires=local(D, 13),
        revoked=local(D, 14),
        reason=RevokeReason.UNCLAIMED,
    )
    invitation(t.c5a, created=early, expires=local(D + DAY, 0, 0, 0))  # expires on D+1
    invitation(t.c5a, created=early, expires=local(D - DAY, 23, 59))  # expired on D-1
    later = local(D + 5 * DAY)
    invitation(
        t.c5a, created=early, expires=later, revoked=local(D, 16), reason=RevokeReason.MANUAL
    )
    invitation(
        t.c5a, created=early, expires=later, revoked=local(D, 17), reason=RevokeReason.UNCLAIMED
    )
    invitation(
        t.c5a,
        created=early,
        expires=later,
        revoked=local(D + DAY, 0, 30),
        reason=RevokeReason.UNCLAIMED,
    )

    # Join requests: 2 waiting at the end of D; decided on D after 6 h and 24 h: 15 h on average.
    link = invitation(t.c5b, created=early, expires=later)
    join_request(link, created=local(D - 2 * DAY, 10))
    join_request(link, created=local(D, 10), decided=local(D, 16))
    join_request(link, created=local(D - DAY, 12), decided=local(D, 12))
    join_request(link, created=local(D, 20), decided=local(D + DAY, 8))
    join_request(link, created=local(D + DAY, 1))
    join_request(link, created=local(D - 5 * DAY, 9), decided=local(D - 4 * DAY, 9))

    # Posts published in the portal on D: 2 (just after midnight and just before the next);
    # the one of D-1 23:59, the one of D+1 00:00 and a scheduled one do not count.
    author = UserFactory()
    channel = Channel.objects.create(institution=inst, name="Новости")
    for when in (local(D, 0, 30), local(D, 23, 50), local(D - DAY, 23, 59), local(D + DAY, 0, 0)):
        Post.objects.create(
            institution=inst,
            channel=channel,
            title="Пост",
            body="Текст",
            author=author,
            state=PostState.PUBLISHED,
            published_at=when,
        )
    Post.objects.create(
        institution=inst,
        channel=channel,
        title="Запланирован",
        body="Текст",
        author=author,
        state=PostState.SCHEDULED,
        publish_at=local(D, 12),
    )
    # Events held on D: 2; the one held on D-1, a cancelled and a planned one of D do not count.
    for when, status in (
        (local(D, 9), EventStatus.HELD),
        (local(D, 23, 30), EventStatus.HELD),
        (local(D - DAY, 23, 0), EventStatus.HELD),
        (local(D, 12), EventStatus.CANCELLED),
        (local(D, 15), EventStatus.PLANNED),
    ):
        Event.objects.create(
            institution=inst,
            kind=EventKind.BROADCAST,
            title="Трансляция",
            starts_at=when,
            status=status,
            created_by=author,
        )
    return t


@pytest.fixture
def neighbour(db):
    """Another Moscow institution with a little of everything on D: must not leak into `school`."""
    inst = make_institution("Школа № 2", timezone="Europe/Moscow")
    build_small_school(inst, D)
    return inst


@pytest.fixture
def people(institution):
    """A login for each role of the test institution, and the operator."""
    unit = make_unit(institution, UnitKind.CLASS, "11Б")
    yield {
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "admin": make_member(institution, Role.ADMIN).user,
        "teacher": make_member(institution, Role.TEACHER, unit=unit, verified=True).user,
        "student": make_member(institution, Role.STUDENT, unit=unit).user,
        "parent": make_member(institution, Role.PARENT, unit=unit).user,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    # A POST to "recalculate now" flags the institution in the cache (Redis in CI, shared by
    # the test processes); the job that clears it never runs inside a test's transaction.
    cache.delete(stats_services._running_key(institution.pk))
