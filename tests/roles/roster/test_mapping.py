"""A mapping checked (what is missing or chosen twice, in Russian field names) and applied: a
full name split, two unit columns joined, birth dates and parents read, columns ignored."""

import datetime as dt

import pytest

from roles.roster import (
    FIELD_LABELS,
    FIELDS,
    RosterFileError,
    check_mapping,
    find_layout,
    ignored_columns,
    read_records,
    read_roster,
    rows_from_records,
    split_full_name,
)

from ..roster_helpers import export_csv, mentions

HEADER = ["№ п/п", "ФИО", "Дата рождения", "Объединение", "Группа", "Педагог", "ФИО родителя"]
MAPPING = ["", "full_name", "birth_date", "unit", "unit", "", "parent_full_name"]


def rows_of(rows, mapping=MAPPING, header=HEADER, kind="student"):
    records = read_records(export_csv(header, rows, title=["Список"]), "export.csv")[0]
    return rows_from_records(records, find_layout(records), mapping, kind=kind)


def test_a_full_name_is_split_and_two_unit_columns_are_joined():
    rows = rows_of(
        [
            [1, "Иванов Пётр Сергеевич", "01.02.2016", "Робототехника", "1", "Кузнецов", ""],
            [2, "  Алиев   Рашид Тофик оглы ", "2015-11-12", "Шахматы", "", "", ""],
        ]
    )

    first, second = rows
    assert (first.number, first.last_name, first.first_name, first.patronymic) == (
        4,
        "Иванов",
        "Пётр",
        "Сергеевич",
    )
    assert (first.unit_name, first.kind_raw, first.birth_date) == (
        "Робототехника 1",
        "student",
        dt.date(2016, 2, 1),
    )
    assert (second.last_name, second.first_name, second.patronymic) == (
        "Алиев",
        "Рашид",
        "Тофик оглы",
    )
    assert (second.unit_name, second.birth_date) == ("Шахматы", dt.date(2015, 11, 12))


def test_parents_named_in_a_childs_row_are_read():
    rows = rows_of(
        [[1, "Иванов Пётр", "", "Шахматы", "1", "", "Иванова Елена Викторовна; Иванов Сергей"]]
    )

    assert rows[0].parents == [("Иванова", "Елена", "Викторовна"), ("Иванов", "Сергей", "")]


def test_bad_cells_are_left_as_the_rows_problems():
    rows = rows_of([[1, "Иванов", "31.02.2016", "Шахматы", "1", "", "Мама"]])

    problems = " ".join(rows[0].problems)
    assert len(rows[0].problems) == 3
    assert mentions(problems, "Иванов") and mentions(problems, "31.02.2016")
    assert mentions(problems, "Мама")


def test_a_mapping_without_names_or_kind_names_the_fields_in_russian():
    problems = check_mapping(["", "", "birth_date", "unit", "unit", "", ""], HEADER)

    text = " ".join(problems)
    assert len(problems) == 2
    for key in FIELDS:  # never the portal's keys (until translated, the names are English)
        assert f"«{key}»" not in text and ("_" not in key or key not in text)
    for field in ("last_name", "first_name", "full_name", "kind"):
        assert str(FIELD_LABELS[field]) in text


def test_a_field_chosen_twice_names_both_columns():
    problems = check_mapping(["", "full_name", "full_name", "", "", "", ""], HEADER, kind="student")

    assert len(problems) == 1
    assert "«ФИО»" in problems[0] and "«Дата рождения»" in problems[0]


def test_a_full_name_and_its_parts_cannot_both_be_chosen():
    header = ["ФИО", "Фамилия", "Имя"]

    assert check_mapping(["full_name", "last_name", "first_name"], header, kind="staff")
    assert check_mapping(["full_name", "", ""], header, kind="staff") == []
    assert check_mapping(["", "last_name", "first_name"], header, kind="staff") == []


@pytest.mark.parametrize("bad", [["full_name"], ["full_name", "", "", "", "", "", "age"]])
def test_a_mapping_that_does_not_fit_the_file_is_refused(bad):
    assert check_mapping(bad, HEADER, kind="student")


def test_ignored_columns_are_listed_by_their_headers():
    assert ignored_columns(HEADER, MAPPING) == ["№ п/п", "Педагог"]
    assert set(FIELDS) >= {m for m in MAPPING if m}


def test_read_roster_recognises_an_export_and_takes_the_kind_given():
    data = export_csv(
        HEADER, [[1, "Иванов Пётр", "", "Шахматы", "1", "", ""]], title=["Список обучающихся"]
    )

    with pytest.raises(RosterFileError) as exc:
        read_roster(data, "export.csv")  # no kind column, no kind given
    assert str(FIELD_LABELS["kind"]) in str(exc.value)

    rows = read_roster(data, "export.csv", kind="student")
    assert [(r.last_name, r.first_name, r.unit_name, r.kind_raw) for r in rows] == [
        ("Иванов", "Пётр", "Шахматы 1", "student")
    ]


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("Иванов Пётр Сергеевич", ("Иванов", "Пётр", "Сергеевич")),
        ("Иванов, Пётр", ("Иванов", "Пётр", "")),
        ("Римский-Корсаков  Николай", ("Римский-Корсаков", "Николай", "")),
        ("Иванов", None),
        ("", None),
    ],
)
def test_a_full_name_is_split_into_its_parts(value, parts):
    assert split_full_name(value) == parts
