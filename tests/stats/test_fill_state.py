"""The rollup catches up: without a day it fills every local day from the last complete one up
to yesterday (the fill state), so days missed while beat or the worker was down are filled, and a
fill that died half-way is done again."""

import datetime as dt

from roles.models import Role
from stats import services
from stats.models import FillState, UsageSnapshot

from ..factories import make_institution
from .helpers import DAY, at, klass, member


def days_rolled_up(institution) -> list[dt.date]:
    return sorted(
        UsageSnapshot.objects.filter(institution=institution).values_list("day", flat=True)
    )


def test_a_new_institution_starts_with_yesterday_and_records_it_as_complete(db):
    inst = make_institution(timezone="Asia/Yekaterinburg")
    yesterday = services.default_day(inst)

    services.rollup()

    assert days_rolled_up(inst) == [yesterday]
    state = FillState.objects.get(institution=inst)
    assert (state.last_day, state.state, state.filling_day) == (yesterday, "done", None)


def test_a_rollup_after_a_two_day_gap_fills_both_days(db):
    inst = make_institution(timezone="Europe/Moscow")
    yesterday = services.default_day(inst)
    unit = klass(inst, "3В")
    # One student joined on each day of the gap.
    member(unit, Role.STUDENT, joined=at(inst, yesterday - 2 * DAY))
    member(unit, Role.STUDENT, joined=at(inst, yesterday - DAY))
    # The last run was three days ago: it completed the day before the gap.
    services.rollup(day=yesterday - 3 * DAY, institution=inst)
    FillState.objects.create(institution=inst, last_day=yesterday - 3 * DAY, state="done")

    services.rollup()

    assert days_rolled_up(inst) == [yesterday - 3 * DAY + n * DAY for n in range(4)]
    joined = dict(
        UsageSnapshot.objects.filter(institution=inst).values_list("day", "students_joined")
    )
    assert [joined[yesterday - n * DAY] for n in (3, 2, 1, 0)] == [0, 1, 2, 2]
    assert FillState.objects.get(institution=inst).last_day == yesterday


def test_a_fill_that_died_half_way_is_done_again(db):
    inst = make_institution(timezone="Asia/Vladivostok")
    yesterday = services.default_day(inst)
    # What a worker killed while filling yesterday leaves: started, yesterday not complete.
    FillState.objects.create(
        institution=inst, last_day=yesterday - DAY, state="started", filling_day=yesterday
    )

    services.rollup()

    assert days_rolled_up(inst) == [yesterday - DAY, yesterday]
    state = FillState.objects.get(institution=inst)
    assert (state.last_day, state.state) == (yesterday, "done")


def test_institutions_behind_by_different_gaps_each_get_their_own_days(db):
    behind = make_institution(timezone="Europe/Moscow")
    current = make_institution(timezone="Europe/Moscow")
    yesterday = services.default_day(behind)
    FillState.objects.create(institution=behind, last_day=yesterday - 2 * DAY, state="done")
    FillState.objects.create(institution=current, last_day=yesterday, state="done")

    services.rollup()

    assert days_rolled_up(behind) == [yesterday - 2 * DAY, yesterday - DAY, yesterday]
    assert days_rolled_up(current) == [yesterday]


def test_a_given_day_is_a_recalculation_and_leaves_the_fill_state_alone(db):
    inst = make_institution()
    yesterday = services.default_day(inst)

    services.rollup(day=yesterday - 5 * DAY, institution=inst)

    assert days_rolled_up(inst) == [yesterday - 5 * DAY]
    assert not FillState.objects.filter(institution=inst).exists()


def test_a_long_outage_catches_up_a_year_at_most(db):
    inst = make_institution()
    yesterday = services.default_day(inst)
    FillState.objects.create(institution=inst, last_day=yesterday - 1000 * DAY, state="done")

    services.rollup(institution=inst)

    days = days_rolled_up(inst)
    assert days[0] == yesterday - services.MAX_CATCH_UP_DAYS * DAY
    assert days[-1] == yesterday
    assert len(days) == services.MAX_CATCH_UP_DAYS + 1
