"""Who is really in the class chats, in the statistics: per class and role, per institution,
next to who joined through the portal; a fixed number of queries whatever the size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import services as chat_services
from chats.models import ChatKind
from roles import services as roles_services
from roles.models import PersonKind, Role, UnitKind
from stats import services
from stats.models import UnitSnapshot, UsageSnapshot

from ..conftest import login
from ..factories import START, make_institution, make_member, make_person, make_unit

pytestmark = pytest.mark.django_db


def school_with_reconciled_chats(institution, name="5А"):
    klass = make_unit(institution, UnitKind.CLASS, name)
    teacher = make_member(institution, Role.TEACHER, klass, verified=True)
    people = {}
    for last, first, kind, role in [
        ("Иванов", "Иван", PersonKind.STUDENT, Role.STUDENT),
        ("Петрова", "Мария", PersonKind.STUDENT, Role.STUDENT),
        ("Сидоров", "Пётр", PersonKind.STUDENT, Role.STUDENT),
        ("Иванова", "Ольга", PersonKind.PARENT, Role.PARENT),
        ("Петров", "Олег", PersonKind.PARENT, Role.PARENT),
    ]:
        person = make_person(institution, kind=kind, last_name=last, first_name=first)
        roles_services.enrol(person=person, unit=klass, role=role, effective_date=START)
        people[last] = person
    chats = {}
    for kind in (ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS):
        chats[kind] = chat_services.register_chat(
            institution=institution,
            kind=kind,
            unit=klass,
            title=f"{name} {kind}",
            platform="vk",
            link=f"https://vk.me/join/Presence{kind}{klass.pk}",
            by=teacher.user,
        )
    teacher_name = f"{teacher.first_name} {teacher.last_name}"
    chat_services.reconcile_pasted(
        chat=chats[ChatKind.CLASS_STUDENTS],
        text=f"Иван Иванов\nМария Петрова\n{teacher_name}\nГость\n",
        by=None,
    )
    # A student in the parents' chat is not a parent present there.
    chat_services.reconcile_pasted(
        chat=chats[ChatKind.CLASS_PARENTS], text="Ольга Иванова\nИван Иванов\n", by=None
    )
    return klass


def test_the_class_chats_presence_per_class_and_role(db):
    institution = make_institution()
    klass = school_with_reconciled_chats(institution)
    today = institution.local_today()

    services.rollup(day=today, institution=institution)

    unit = UnitSnapshot.objects.get(unit=klass, day=today)
    assert (unit.students_total, unit.students_in_chat) == (3, 2)
    assert (unit.parents_total, unit.parents_in_chat) == (2, 1)
    assert (unit.teachers_in_chat, unit.chats_reconciled) == (1, 2)
    snap = UsageSnapshot.objects.get(institution=institution, day=today)
    assert (snap.students_in_chats, snap.parents_in_chats, snap.teachers_in_chats) == (2, 1, 1)
    assert snap.classes_reconciled == 1
    assert snap.students_joined == 0  # nobody came through a portal link: a second meaning


def test_a_day_before_the_reconciliation_counts_nobody_present(db):
    institution = make_institution()
    school_with_reconciled_chats(institution)
    yesterday = institution.local_today() - dt.timedelta(days=1)
    services.rollup(day=yesterday, institution=institution)
    snap = UsageSnapshot.objects.get(institution=institution, day=yesterday)
    assert (snap.students_in_chats, snap.classes_reconciled) == (0, 0)


def test_the_rollup_queries_do_not_grow_with_reconciled_institutions(db):
    def queries(day) -> int:
        with CaptureQueriesContext(connection) as captured:
            services.rollup(day=day)
        return len(captured)

    first = make_institution(timezone="Europe/Samara")
    school_with_reconciled_chats(first)
    day = first.local_today()
    with_one = queries(day)
    for n in range(4):
        school_with_reconciled_chats(make_institution(timezone="Europe/Samara"), f"{n + 6}А")
    assert queries(day) == with_one


def test_the_statistics_page_shows_presence_next_to_joined(db, settings):
    from django.utils import timezone

    from chats.models import Chat, ChatMember, ChatReconciliation
    from roles.models import Unit

    institution = make_institution()
    klass = school_with_reconciled_chats(institution)
    # All of it happened two days ago, so that yesterday's snapshot (the page's) has it.
    before = timezone.now() - dt.timedelta(days=2)
    Unit.objects.filter(pk=klass.pk).update(created_at=before)
    Chat.objects.filter(unit=klass).update(created_at=before)
    ChatMember.objects.filter(chat__unit=klass).update(since=before)
    ChatReconciliation.objects.filter(chat__unit=klass).update(checked_at=before)
    director = make_member(institution, Role.DIRECTOR)
    yesterday = institution.local_today() - dt.timedelta(days=1)
    services.rollup(day=yesterday, institution=institution)
    page = login(director.user).get("/stats/").content.decode()
    assert "students_in_chat_share" in page  # the column, sortable
    assert "66.7" in page or "66,7" in page  # 2 of the class's 3 students are in its chats
