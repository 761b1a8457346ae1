"""The daily rollup: every figure against hand-counted fixtures, the local day's edges, reruns,
the backfill, the command, the task's schedule and the fixed number of queries."""

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chats.models import ChatKind
from roles.models import Institution, Membership, Role, Unit
from stats import services, tasks
from stats.models import UnitSnapshot, UsageSnapshot

from ..factories import make_institution
from .helpers import (
    DAY,
    LONG_AGO,
    METRICS,
    D,
    all_rows,
    at,
    chat,
    class_figures,
    figures,
    invitation,
    join_request,
    klass,
    member,
    small_school,
    teacher,
    use,
)

# The school of conftest.py on day D, counted by hand (see the comments there).
SCHOOL_ON_D = {
    "teachers_total": 3,
    "teachers_joined": 1,
    "teachers_verified": 2,
    "students_total": 9,
    "students_joined": 4,
    "parents_total": 4,
    "parents_joined": 3,
    # No chat of the school was reconciled: nobody counts as present in one (test_presence.py).
    "students_in_chats": 0,
    "parents_in_chats": 0,
    "teachers_in_chats": 0,
    "classes_reconciled": 0,
    "classes_total": 4,  # 5А, 5Б, 6А, 9А
    "classes_with_chats": 1,  # 5А
    "invitations_issued": 2,
    "invitations_used": 3,
    "invitations_expired": 2,
    "invitations_annulled": 2,
    "join_requests_waiting": 2,
    "join_request_wait_hours": 15.0,
    "movements": 2,
    "posts_published": 2,
    "events_held": 2,
}
CLASSES_ON_D = {
    "c5a": {
        "students_total": 4,
        "students_joined": 2,
        "parents_total": 3,
        "parents_joined": 2,
        "teachers_total": 1,
        "chats_required": 2,
        "chats_present": 2,
        "students_in_chat": 0,
        "parents_in_chat": 0,
        "teachers_in_chat": 0,
        "chats_reconciled": 0,
    },
    "c5b": {
        "students_total": 2,
        "students_joined": 1,
        "parents_total": 1,
        "parents_joined": 1,
        "teachers_total": 1,
        "chats_required": 2,
        "chats_present": 1,
        "students_in_chat": 0,
        "parents_in_chat": 0,
        "teachers_in_chat": 0,
        "chats_reconciled": 0,
    },
    "c6a": {  # its teacher is not verified: no chat is required yet
        "students_total": 2,
        "students_joined": 0,
        "parents_total": 1,
        "parents_joined": 0,
        "teachers_total": 1,
        "chats_required": 0,
        "chats_present": 0,
        "students_in_chat": 0,
        "parents_in_chat": 0,
        "teachers_in_chat": 0,
        "chats_reconciled": 0,
    },
    "c9a": {  # archived the day after; its teacher left before D
        "students_total": 1,
        "students_joined": 1,
        "parents_total": 0,
        "parents_joined": 0,
        "teachers_total": 0,
        "chats_required": 0,
        "chats_present": 0,
        "students_in_chat": 0,
        "parents_in_chat": 0,
        "teachers_in_chat": 0,
        "chats_reconciled": 0,
    },
}


def test_every_figure_of_the_day_matches_the_hand_count(school, neighbour):
    written = services.rollup(day=D, institution=school.institution)

    assert figures(school.institution, D) == SCHOOL_ON_D
    assert written == 1 + len(CLASSES_ON_D)
    assert not UsageSnapshot.objects.filter(institution=neighbour).exists()


def test_every_class_figure_of_the_day_matches_the_hand_count(school):
    services.rollup(day=D, institution=school.institution)

    got = {name: class_figures(getattr(school, name), D) for name in CLASSES_ON_D}
    assert got == CLASSES_ON_D
    # 7А was archived during D and 8А created after it: no snapshot of D for them.
    assert not UnitSnapshot.objects.filter(unit__in=[school.c7a, school.c8a], day=D).exists()
    assert set(UnitSnapshot.objects.filter(day=D).values_list("unit_id", flat=True)) == {
        getattr(school, name).pk for name in CLASSES_ON_D
    }
    assert all(
        s.institution_id == school.institution.pk for s in UnitSnapshot.objects.filter(day=D)
    )


def test_the_day_before_is_counted_from_the_same_data(school):
    """Joined is cumulative up to the end of the day; the other figures are those of D-1."""
    services.rollup(day=D - DAY, institution=school.institution)

    got = figures(school.institution, D - DAY)
    assert {
        "students_total": got["students_total"],
        "students_joined": got["students_joined"],
        "classes_total": got["classes_total"],
        "invitations_issued": got["invitations_issued"],
        "invitations_used": got["invitations_used"],
        "invitations_expired": got["invitations_expired"],
        "join_requests_waiting": got["join_requests_waiting"],
        "join_request_wait_hours": got["join_request_wait_hours"],
        "movements": got["movements"],
    } == {
        "students_total": 9,  # the leaver ended on D-1; the mover is still in 5Б; 7А's student
        "students_joined": 3,  # the mover (D-20), 5Б's early joiner (D-3) and 7А's (D-10)
        "classes_total": 5,  # 7А still existed at the end of D-1
        "invitations_issued": 1,  # at 23:59 of D-1
        "invitations_used": 0,
        "invitations_expired": 1,  # at 23:59 of D-1
        "join_requests_waiting": 2,  # from D-2, and the one of D-1 decided on D
        "join_request_wait_hours": None,  # none decided on D-1
        "movements": 1,  # the leaver
    }


def test_neighbours_in_one_run_keep_their_own_figures(school, neighbour):
    written = services.rollup(day=D)

    assert figures(school.institution, D) == SCHOOL_ON_D
    got = figures(neighbour, D)
    assert (got["students_total"], got["students_joined"], got["teachers_verified"]) == (3, 1, 1)
    assert (got["invitations_issued"], got["invitations_used"], got["movements"]) == (1, 1, 1)
    assert (got["join_requests_waiting"], got["join_request_wait_hours"]) == (1, 2.0)
    assert (got["classes_total"], got["classes_with_chats"]) == (1, 0)
    assert written == 2 + len(CLASSES_ON_D) + 1


def test_an_institution_without_any_data_gets_a_row_of_zeros(db):
    empty = make_institution()

    assert services.rollup(day=D, institution=empty) == 1

    assert figures(empty, D) == {
        **dict.fromkeys(METRICS, 0),
        "join_request_wait_hours": None,
    }


def test_a_class_with_a_verified_teacher_requires_both_class_chats(db):
    inst = make_institution()
    unit = klass(inst, "2В")
    teacher(inst, unit)
    chat(unit, ChatKind.CLASS_STUDENTS)
    chat(unit, ChatKind.CLASS_STUDENTS)  # two of one kind are not both kinds
    chat(unit, ChatKind.OTHER)

    services.rollup(day=D, institution=inst)

    assert class_figures(unit, D)["chats_required"] == 2
    assert class_figures(unit, D)["chats_present"] == 1
    assert figures(inst, D)["classes_with_chats"] == 0


def test_a_teacher_verified_after_the_day_is_not_verified_on_it(db):
    inst = make_institution()
    unit = klass(inst, "2Г")
    person = teacher(inst, unit)
    chat(unit, ChatKind.CLASS_STUDENTS)
    chat(unit, ChatKind.CLASS_PARENTS)
    Membership.objects.filter(person=person).update(verified_at=at(inst, D + 2 * DAY, 10))

    services.rollup(day=D, institution=inst)

    assert figures(inst, D)["teachers_verified"] == 0
    assert class_figures(unit, D)["chats_required"] == 0


# --- the edges of a local day --------------------------------------------------------------------

ZONES = ["Asia/Vladivostok", "Europe/Kaliningrad"]


def _edge_school(zone: str) -> Institution:
    """Facts at 23:30 of D and at 00:30 of D+1, local time."""
    inst = make_institution(f"Школа ({zone})", timezone=zone)
    unit = klass(inst, "4А")
    teacher(inst, unit)
    evening, night = at(inst, D, 23, 30), at(inst, D + DAY, 0, 30)
    member(unit, Role.STUDENT, joined=evening)
    member(unit, Role.STUDENT, joined=night)
    link = invitation(unit, created=evening)
    use(link, at(inst, D, 23, 45))
    invitation(unit, created=night)
    invitation(unit, created=at(inst, D - DAY), expires=evening)
    invitation(unit, created=at(inst, D - DAY), expires=night)
    join_request(link, created=evening)
    join_request(link, created=night)
    chat(unit, ChatKind.CLASS_STUDENTS, created=evening)
    chat(unit, ChatKind.CLASS_PARENTS, created=night)
    return inst


def test_the_local_evening_and_the_local_night_are_on_different_days_whatever_utc_says(db):
    schools = {zone: _edge_school(zone) for zone in ZONES}
    moscow = zoneinfo.ZoneInfo("Europe/Moscow")
    # Where the calendars disagree: 00:30 in Vladivostok on D+1 is still D in UTC (and in
    # Moscow, the server's zone); 23:30 in Kaliningrad on D is already D+1 in Moscow.
    vladivostok_night = at(schools["Asia/Vladivostok"], D + DAY, 0, 30)
    assert vladivostok_night.astimezone(dt.UTC).date() == D
    assert vladivostok_night.astimezone(moscow).date() == D
    assert at(schools["Europe/Kaliningrad"], D, 23, 30).astimezone(moscow).date() == D + DAY

    services.rollup(day=D)  # every institution, each on its own local day
    services.rollup(day=D + DAY)

    for zone, inst in schools.items():
        unit = Unit.objects.get(institution=inst, name="4А")
        on_d, next_day = figures(inst, D), figures(inst, D + DAY)
        assert (on_d["students_joined"], next_day["students_joined"]) == (1, 2), zone
        assert (on_d["invitations_issued"], next_day["invitations_issued"]) == (1, 1), zone
        assert (on_d["invitations_used"], next_day["invitations_used"]) == (1, 0), zone
        assert (on_d["invitations_expired"], next_day["invitations_expired"]) == (1, 1), zone
        assert (on_d["join_requests_waiting"], next_day["join_requests_waiting"]) == (1, 2), zone
        assert (on_d["classes_with_chats"], next_day["classes_with_chats"]) == (0, 1), zone
        assert class_figures(unit, D)["chats_present"] == 1, zone
        assert class_figures(unit, D + DAY)["chats_present"] == 2, zone


def test_the_last_second_of_the_local_day_belongs_to_it(db):
    inst = make_institution(timezone="Asia/Vladivostok")
    unit = klass(inst, "4Б")
    member(unit, Role.STUDENT, joined=at(inst, D, 23, 59, 59))
    invitation(unit, created=at(inst, D, 23, 59, 59))
    invitation(unit, created=at(inst, D + DAY, 0, 0, 0))

    services.rollup(day=D, institution=inst)

    got = figures(inst, D)
    assert (got["students_joined"], got["invitations_issued"]) == (1, 1)


def test_the_default_day_is_yesterday_in_the_institutions_zone(db):
    for zone in ZONES:
        inst = make_institution(timezone=zone)
        local_today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
        assert services.default_day(inst) == local_today - DAY

        services.rollup(institution=inst)

        assert UsageSnapshot.objects.get(institution=inst).day == local_today - DAY


# --- reruns and backfills ------------------------------------------------------------------------


def test_a_second_rollup_of_the_same_day_writes_the_same_rows(school, neighbour):
    first_count = services.rollup(day=D)
    first = all_rows()
    stamps = set(UsageSnapshot.objects.values_list("computed_at", flat=True))

    second_count = services.rollup(day=D)

    assert second_count == first_count
    assert all_rows() == first  # same ids, same figures
    assert UsageSnapshot.objects.count() == 2
    assert UnitSnapshot.objects.count() == len(CLASSES_ON_D) + 1
    assert set(UsageSnapshot.objects.values_list("computed_at", flat=True)) != stamps


def test_a_rollup_after_the_data_changed_updates_the_same_rows(school):
    services.rollup(day=D, institution=school.institution)
    before = all_rows()
    student = member(school.c6a, Role.STUDENT, joined=at(school.institution, D, 13))
    assert student
    chat(school.c5b, ChatKind.CLASS_PARENTS, created=at(school.institution, D, 22))

    services.rollup(day=D, institution=school.institution)

    after = all_rows()
    assert after.keys() == before.keys()
    assert {k: v["id"] for k, v in after.items()} == {k: v["id"] for k, v in before.items()}
    got = figures(school.institution, D)
    assert (got["students_total"], got["students_joined"]) == (10, 5)
    assert got["classes_with_chats"] == 2
    assert class_figures(school.c6a, D)["students_joined"] == 1
    assert class_figures(school.c5b, D)["chats_present"] == 2


def test_a_run_killed_half_way_is_completed_by_the_next_one(school):
    """Rows left by an interrupted run (wrong or partial figures) are overwritten in place."""
    UsageSnapshot.objects.create(
        institution=school.institution, day=D, students_total=999, teachers_joined=7
    )
    UnitSnapshot.objects.create(
        institution=school.institution, unit=school.c5a, day=D, students_total=999
    )

    services.rollup(day=D, institution=school.institution)

    assert UsageSnapshot.objects.filter(institution=school.institution, day=D).count() == 1
    assert figures(school.institution, D) == SCHOOL_ON_D
    assert class_figures(school.c5a, D) == CLASSES_ON_D["c5a"]
    assert UnitSnapshot.objects.filter(day=D).count() == len(CLASSES_ON_D)


def test_rollup_range_backfills_every_day_inclusive(school, neighbour):
    written = services.rollup_range(start=D - 2 * DAY, end=D)

    days = sorted(set(UsageSnapshot.objects.values_list("day", flat=True)))
    assert days == [D - 2 * DAY, D - DAY, D]
    assert UsageSnapshot.objects.count() == 2 * 3
    assert written == UsageSnapshot.objects.count() + UnitSnapshot.objects.count()
    assert figures(school.institution, D) == SCHOOL_ON_D
    assert figures(school.institution, D - DAY)["movements"] == 1


def test_rollup_range_for_one_institution_leaves_the_others_alone(school, neighbour):
    services.rollup_range(start=D - DAY, end=D, institution=neighbour)

    assert set(UsageSnapshot.objects.values_list("institution_id", flat=True)) == {neighbour.pk}
    assert UsageSnapshot.objects.count() == 2


# --- the command and the task --------------------------------------------------------------------


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("rollup_stats", *args, stdout=out)
    return out.getvalue()


def test_the_command_rolls_up_one_day_and_prints_how_many_rows(school, neighbour):
    out = run_command("--day", D.isoformat())

    written = UsageSnapshot.objects.count() + UnitSnapshot.objects.count()
    assert written == 2 + len(CLASSES_ON_D) + 1
    assert re.search(rf"\b{written}\b", out)
    assert figures(school.institution, D) == SCHOOL_ON_D


def test_the_command_backfills_a_range_for_one_institution(school, neighbour):
    out = run_command(
        "--day", (D - 3 * DAY).isoformat(), "--until", D.isoformat(), "--institution", neighbour.pk
    )

    assert sorted(UsageSnapshot.objects.values_list("day", flat=True)) == [
        D - 3 * DAY,
        D - 2 * DAY,
        D - DAY,
        D,
    ]
    assert set(UsageSnapshot.objects.values_list("institution_id", flat=True)) == {neighbour.pk}
    assert re.search(r"\b8\b", out)  # 4 days × (the institution + its class)


def test_the_command_without_a_day_rolls_up_yesterday_of_each_institution(db):
    east = make_institution(timezone="Asia/Kamchatka")
    west = make_institution(timezone="Europe/Kaliningrad")

    run_command()

    assert UsageSnapshot.objects.get(institution=east).day == services.default_day(east)
    assert UsageSnapshot.objects.get(institution=west).day == services.default_day(west)


@pytest.mark.parametrize(
    "args",
    [
        ["--day", "2026-02-30"],
        ["--day", "10.03.2026"],
        ["--day", "2026-03-10", "--until", "вчера"],
        ["--until", "2026-03-10"],  # a range needs its first day
        ["--day", "2026-03-10", "--until", "2026-03-09"],  # backwards
        ["--institution", "987654"],  # no such institution
    ],
)
def test_the_command_refuses_bad_arguments(db, args):
    with pytest.raises(CommandError):
        run_command(*args)
    assert not UsageSnapshot.objects.exists()


def test_the_task_rolls_up_yesterday_for_one_institution_or_all(db):
    one, other = make_institution(), make_institution(timezone="Asia/Vladivostok")

    # "Recalculate now" for one institution: yesterday and today so far.
    assert tasks.rollup_stats(one.pk) == 2
    assert sorted(UsageSnapshot.objects.values_list("institution_id", "day")) == [
        (one.pk, services.default_day(one)),
        (one.pk, one.local_today()),
    ]
    UsageSnapshot.objects.filter(institution=one, day=one.local_today()).delete()
    assert tasks.rollup_stats() == 2
    assert UsageSnapshot.objects.get(institution=other).day == services.default_day(other)


def test_the_rollup_is_scheduled_every_hour_in_django_celery_beat(db):
    from django_celery_beat.models import PeriodicTask

    from sferum_portal.schedules import ensure_schedules

    ensure_schedules()
    task = PeriodicTask.objects.get(task="stats.tasks.rollup_stats")
    assert task.enabled
    cron = task.crontab
    # Every hour: each time zone gets yesterday's figures within an hour of its own midnight.
    assert cron.minute.isdigit() and cron.hour == "*"
    assert (cron.day_of_week, cron.day_of_month, cron.month_of_year) == ("*", "*", "*")


def test_the_demo_history_is_thirty_rolled_up_days(db):
    from stats import demo

    inst = make_institution()
    demo.seed(institution=inst)
    demo.seed(institution=inst)  # the second call changes nothing

    days = list(UsageSnapshot.objects.filter(institution=inst).values_list("day", flat=True))
    assert len(days) == 30
    assert max(days) == services.default_day(inst)


# --- a fixed number of queries -------------------------------------------------------------------


def _rollup_queries(day=D) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.rollup(day=day)
    return len(captured)


def test_the_rollup_runs_the_same_queries_for_two_or_ten_institutions_of_one_zone(db):
    institutions = [make_institution(timezone="Asia/Yekaterinburg") for _ in range(2)]
    for inst in institutions:
        small_school(inst, D)
    with_two = _rollup_queries()
    assert UsageSnapshot.objects.count() == 2

    for n in range(8):
        inst = make_institution(timezone="Asia/Yekaterinburg")
        small_school(inst, D, classes=1 + n % 3)  # larger ones too
    with_ten = _rollup_queries()

    assert UsageSnapshot.objects.count() == 10
    assert with_ten == with_two


def test_each_time_zone_costs_the_same_fixed_number_of_queries(db):
    small_school(make_institution(timezone="Europe/Moscow"), D)
    one_zone = _rollup_queries()
    small_school(make_institution(timezone="Asia/Omsk"), D)
    two_zones = _rollup_queries()

    per_zone = two_zones - one_zone
    assert 0 < per_zone < 20
    assert one_zone == 1 + per_zone  # the list of institutions, then a fixed set per zone


@pytest.mark.postgres
def test_the_query_count_does_not_grow_with_thousands_of_classes(db):
    small = make_institution(timezone="Asia/Krasnoyarsk")
    small_school(small, D)
    few = _rollup_queries()

    large = make_institution(timezone="Asia/Krasnoyarsk")
    Unit.objects.bulk_create(
        Unit(
            institution=large,
            kind="class",
            name=f"{n}К",
            academic_year="2025/2026",
            created_at=LONG_AGO,
        )
        for n in range(1_200)
    )
    Unit.objects.filter(institution=large).update(created_at=LONG_AGO)  # auto_now_add
    many = _rollup_queries()

    assert UnitSnapshot.objects.filter(institution=large, day=D).count() == 1_200
    assert many == few
