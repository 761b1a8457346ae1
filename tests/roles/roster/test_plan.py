"""Planning a roster import: bad files and bad rows are rejected whole, and what a row may hold."""

import pytest
from django.core.exceptions import ValidationError

from roles import services
from roles.models import Membership, Role, UnitKind
from roles.roster import RosterFileError

from ..roster_helpers import (
    BAD_CASES,
    BASE_ROWS,
    FILE_ERROR,
    ROW_OF,
    _check_messages,
    csv_bytes,
    error_rows,
    import_rows,
    open_units,
    person,
    plan_file,
    replace,
    snapshot,
)


@pytest.mark.parametrize(("data", "filename", "rows", "tokens"), BAD_CASES)
def test_a_bad_file_is_rejected_by_the_planner(institution, units, data, filename, rows, tokens):
    # A valid roster first: applying the bad one would transfer and end people.
    import_rows(institution, BASE_ROWS)
    before = snapshot()

    if rows == FILE_ERROR:
        with pytest.raises(RosterFileError) as exc:
            plan_file(institution, data, filename)
        _check_messages([{"row": None, "messages": [str(exc.value)]}], tokens)
    else:
        plan = plan_file(institution, data, filename)
        assert error_rows(plan.errors) == rows
        _check_messages([e.as_dict() for e in plan.errors], tokens)
        with pytest.raises(ValidationError):
            services.apply_roster_plan(plan=plan, by=None)

    assert snapshot() == before


def test_one_bad_row_rejects_the_whole_file(institution, units):
    rows = [*BASE_ROWS, ("S-9", "Орлов", "Олег", "", "student", "", "")]
    before = snapshot()

    plan = plan_file(institution, csv_bytes(rows))

    assert error_rows(plan.errors) == [9]
    with pytest.raises(ValidationError):
        services.apply_roster_plan(plan=plan, by=None)
    assert snapshot() == before


def test_a_class_name_shared_by_two_academic_years_needs_the_year(institution, units):
    services.create_unit(
        institution=institution, kind=UnitKind.CLASS, name="3А", academic_year="2025/2026"
    )

    ambiguous = plan_file(institution, csv_bytes(BASE_ROWS))
    assert error_rows(ambiguous.errors) == [ROW_OF["S-1"], ROW_OF["S-3"]]

    rows = replace(replace(BASE_ROWS, "S-1", unit="3А (2026/2027)"), "S-3", unit="3а (2026/2027)")
    import_rows(institution, rows)
    assert open_units(person(institution, "S-1")) == {("3А", Role.STUDENT)}
    assert Membership.objects.get(person__external_id="S-3").unit == units["3А"]


def test_an_external_id_longer_than_the_column_is_a_row_error(institution, units):
    rows = replace(BASE_ROWS, "T-2", external_id="T-" + "2" * 120)  # the column holds 100

    plan = plan_file(institution, csv_bytes(rows))

    assert error_rows(plan.errors) == [ROW_OF["T-2"]]


def test_names_of_every_alphabet_of_russia_are_names(institution, units):
    rows = replace(BASE_ROWS, "S-1", last_name="Хәйруллина", first_name="Гөлнара")
    rows = replace(rows, "S-3", last_name="Мірошниченко", first_name="Ґанна", patronymic="")
    plan = plan_file(institution, csv_bytes(rows))
    assert plan.is_valid, [e.as_dict() for e in plan.errors]
