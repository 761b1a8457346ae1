"""The home dashboard kept in the cache (sferum_portal/dashboard.py, issue 17): a second view
reads nothing again, and every change of what it shows (through a model's signal, an update
or a bulk write of a service) is on the next view, for every reader.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels_app import services as channel_services
from channels_app.models import EventKind
from invitations import services as invitation_services
from roles import freshness, services
from roles.models import Person, PersonKind, Role, TodoKind, UnitKind

from .conftest import login
from .factories import START, make_institution, make_member, make_person, make_unit
from .roles.roster_helpers import import_rows

# The session, the user and the institution: what every page of an institution reads.
QUERIES_OF_A_KEPT_DASHBOARD = 3


@pytest.fixture
def school(db):
    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS, "3А", academic_year="2026/2027")
    admin = make_member(institution, Role.ADMIN)
    teacher = make_member(institution, Role.TEACHER, klass)
    return {
        "institution": institution,
        "klass": klass,
        "admin": admin,
        "teacher": teacher,
        "client": login(admin.user),
    }


def dashboard(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.context


def test_a_second_view_reads_nothing_again(school, django_assert_max_num_queries):
    client = school["client"]
    dashboard(client)
    with django_assert_max_num_queries(QUERIES_OF_A_KEPT_DASHBOARD):
        page = dashboard(client)
    assert page["counts"]["staff"] == 3  # the admin, the director who appointed them, the teacher


def test_a_new_person_counts_at_once(school):
    before = dashboard(school["client"])["counts"]["students"]
    make_person(school["institution"], PersonKind.STUDENT)
    assert dashboard(school["client"])["counts"]["students"] == before + 1


def test_a_decision_on_a_teacher_written_by_an_update_is_shown(school):
    assert dashboard(school["client"])["queues"]["verifications"] == 1
    services.decide_teacher_verification(
        person=school["teacher"], by=school["admin"].user, approve=True, notify=False
    )
    assert dashboard(school["client"])["queues"]["verifications"] == 0


def test_joined_memberships_written_by_an_update_are_shown(school):
    before = dashboard(school["client"])["counts"]["joined"]
    services.mark_joined(memberships=list(school["teacher"].memberships.all()))
    assert dashboard(school["client"])["counts"]["joined"] == before + 1


def test_a_leaver_written_by_an_update_is_no_longer_counted(school):
    before = dashboard(school["client"])["counts"]
    services.leave(
        person=school["teacher"],
        effective_date=school["institution"].local_today(),
        by=school["admin"].user,
    )
    after = dashboard(school["client"])["counts"]
    assert (after["staff"], after["memberships"]) == (
        before["staff"] - 1,
        before["memberships"] - 1,
    )


def test_a_roster_imported_in_bulk_is_counted(school):
    before = dashboard(school["client"])["counts"]["students"]
    import_rows(
        school["institution"],
        [
            ("S-91", "Иванов", "Пётр", "Сергеевич", "student", "3А", ""),
            ("S-92", "Петрова", "Анна", "Михайловна", "student", "3А", ""),
        ],
    )
    assert dashboard(school["client"])["counts"]["students"] == before + 2


def test_a_done_to_do_item_leaves_the_list(school):
    todo = services.create_todo(
        institution=school["institution"], kind=TodoKind.OTHER, title="Создать чат 3А"
    )
    assert [t.pk for t in dashboard(school["client"])["todos"]] == [todo.pk]
    services.complete_todo(todo=todo, by=school["admin"].user)
    assert dashboard(school["client"])["todos"] == []


def test_a_join_request_joins_the_queue(school):
    _invitation, token = invitation_services.create_invitation(
        unit=school["klass"], role=Role.PARENT, created_by=school["admin"].user
    )
    assert dashboard(school["client"])["queues"]["join_requests"] == 0
    invitation_services.request_to_join(
        token=token, user=None, last_name="Сидорова", first_name="Мария", child_name="Сидоров Ваня"
    )
    assert dashboard(school["client"])["queues"]["join_requests"] == 1


def test_an_event_planned_is_among_the_readers_upcoming_events(school):
    teacher = login(school["teacher"].user)
    assert dashboard(teacher)["upcoming_events"] == []
    starts = timezone.now() + dt.timedelta(days=2)
    event = channel_services.create_event(
        institution=school["institution"],
        kind=EventKind.BROADCAST,
        title="Родительское собрание",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        by=school["admin"].user,
    )
    assert [e.pk for e in dashboard(teacher)["upcoming_events"]] == [event.pk]


def test_a_new_administrator_is_named_to_the_families(school):
    parent = make_member(school["institution"], Role.PARENT, school["klass"])
    family = login(parent.user)
    assert [a.person_id for a in dashboard(family)["admins"]] == [school["admin"].pk]
    director = make_member(school["institution"], Role.DIRECTOR).user
    services.enrol(
        person=school["teacher"],
        unit=services.staff_room(school["institution"]),
        role=Role.TEACHER,
        effective_date=START,
    )
    services.appoint_admin(
        institution=school["institution"],
        person=school["teacher"],
        order_number="7-од",
        order_date=START,
        by=director,
        start_date=START,
    )
    assert {a.person_id for a in dashboard(family)["admins"]} == {
        school["admin"].pk,
        school["teacher"].pk,
    }


def test_each_institution_keeps_its_own(school):
    other = make_institution()
    other_admin = make_member(other, Role.ADMIN)
    make_person(other, PersonKind.STUDENT)
    ours = dashboard(school["client"])["counts"]["students"]
    theirs = dashboard(login(other_admin.user))["counts"]["students"]
    make_person(other, PersonKind.STUDENT)
    assert dashboard(school["client"])["counts"]["students"] == ours
    assert dashboard(login(other_admin.user))["counts"]["students"] == theirs + 1


def test_a_stamp_moves_on_with_a_touch_and_stays_otherwise(school):
    pk = school["institution"].pk
    first = freshness.stamp(pk)
    assert freshness.stamp(pk) == first
    freshness.touch([pk])
    assert freshness.stamp(pk) != first


def test_the_counts_query_is_built_once_a_day_per_institution_and_read_every_time(school):
    from roles import selectors

    built = []

    def students_of(institution):
        def build():
            built.append(institution.pk)
            return {"students": Person.objects.filter(institution=institution, kind="student")}

        return build

    ours = school["institution"]
    first = selectors.counts_of(ours, students_of(ours), shape="test-students")
    make_person(ours, PersonKind.STUDENT)
    again = selectors.counts_of(ours, students_of(ours), shape="test-students")
    assert again["students"] == first["students"] + 1  # read again, built once
    other = make_institution()
    assert selectors.counts_of(other, students_of(other), shape="test-students")["students"] == 0
    assert built == [ours.pk, other.pk]
