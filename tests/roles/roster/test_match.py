"""Who the rows of a file are without external ids: people found by name within their kind,
namesakes told apart by birth date, unit or children, or reported; birth dates kept only as a
keyed hash; parents named in a child's row; a child in two groups."""

import datetime as dt

import pytest

from roles import services
from roles.models import GuardianLink, Membership, Person, PersonKind, Role, UnitKind
from roles.roster import birth_date_hash

from ...factories import make_institution
from ..roster_helpers import export_csv, open_units, plan_file, snapshot

HEADER = ["№", "ФИО", "Дата рождения", "Класс", "ФИО родителя (законного представителя)"]


@pytest.fixture
def groups(institution, units):
    for name in ("Робототехника-1", "Робототехника-2", "Шахматы-1"):
        services.create_unit(institution=institution, kind=UnitKind.CLASS, name=name)
    return units


def student(institution, unit, last="Иванов", first="Пётр", patronymic="Сергеевич", **kw):
    person = services.create_person(
        institution=institution,
        last_name=last,
        first_name=first,
        patronymic=patronymic,
        kind=PersonKind.STUDENT,
        **kw,
    )
    services.enrol(person=person, unit=unit, role=Role.STUDENT, effective_date=dt.date(2026, 9, 1))
    return person


def export(rows, header=HEADER) -> bytes:
    return export_csv(header, [[n, *row] for n, row in enumerate(rows, 1)], title=["Список"])


def plan(institution, rows, **kw):
    return plan_file(institution, export(rows), "export.csv", kind="student", **kw)


def apply(institution, rows, **kw):
    result = plan(institution, rows, **kw)
    assert result.is_valid, [e.as_dict() for e in result.errors]
    return services.apply_roster_plan(plan=result, by=None)


def error_rows(result) -> list:
    return [e.row for e in result.errors]


def test_a_person_on_the_roster_is_found_by_name_whatever_the_case_and_e(institution, units):
    petr = student(institution, units["3А"], external_id="")

    result = plan(institution, [["ИВАНОВ  петр  СЕРГЕЕВИЧ", "", "3А", ""]])

    summary = result.summary()
    assert (summary["created"], summary["changed"], summary["unchanged"]) == (0, 0, 1)
    assert result.people[0].person == petr
    services.apply_roster_plan(plan=result, by=None)
    petr.refresh_from_db()
    assert petr.full_name == "Иванов Пётр Сергеевич"  # the recorded spelling stays
    assert Person.objects.filter(institution=institution).count() == 1


def test_an_empty_patronymic_matches_and_erases_nothing(institution, units):
    petr = student(institution, units["3А"])

    summary = apply(institution, [["Иванов Пётр", "", "3А", ""]])

    assert (summary["created"], summary["changed"]) == (0, 0)
    petr.refresh_from_db()
    assert petr.patronymic == "Сергеевич"


def test_people_are_matched_within_their_kind(institution, units):
    services.create_person(
        institution=institution, last_name="Иванов", first_name="Пётр", kind=PersonKind.PARENT
    )

    summary = apply(institution, [["Иванов Пётр", "", "3А", ""]])

    assert summary["created"] == 1
    assert Person.objects.filter(kind=PersonKind.STUDENT, last_name="Иванов").count() == 1


def test_namesakes_nothing_tells_apart_are_reported_with_their_rows(institution, units):
    student(institution, units["3А"])
    student(institution, units["3А"])
    before = snapshot()

    result = plan(institution, [["Петрова Анна", "", "3Б", ""], ["Иванов Пётр", "", "3А", ""]])

    assert error_rows(result) == [5]  # the title, a blank row, the header: Иванов is row 5
    assert "Иванов Пётр" in result.errors[0].messages[0]
    assert snapshot() == before


def test_the_unit_tells_namesakes_apart(institution, units):
    in_a = student(institution, units["3А"])
    in_b = student(institution, units["3Б"])

    result = plan(
        institution,
        [["Иванов Пётр Сергеевич", "", "3Б", ""], ["Иванов Пётр Сергеевич", "", "3А", ""]],
    )

    assert result.is_valid, [e.as_dict() for e in result.errors]
    assert [p.person for p in result.people] == [in_b, in_a]
    assert result.summary()["created"] == 0


def test_a_namesake_moved_to_another_class_is_matched_once_the_other_is_found(institution, units):
    in_a = student(institution, units["3А"])
    in_b = student(institution, units["3Б"])

    # The one of 3Б moved to Шахматы-1: found once the one of 3А is.
    services.create_unit(institution=institution, kind=UnitKind.CLASS, name="Шахматы-1")
    result = plan(
        institution, [["Иванов Пётр", "", "Шахматы-1", ""], ["Иванов Пётр", "", "3А", ""]]
    )

    assert result.is_valid, [e.as_dict() for e in result.errors]
    assert [p.person for p in result.people] == [in_b, in_a]
    assert [(t[0].person, t[1].name, t[2].name) for t in result.transfers] == [
        (in_b, "3Б", "Шахматы-1")
    ]


def test_namesakes_in_one_unit_of_the_file_are_reported(institution, units):
    result = plan(institution, [["Иванов Пётр", "", "3А", ""], ["Иванов Пётр", "", "3А", ""]])

    assert error_rows(result) == [4, 5]


def test_the_birth_date_tells_namesakes_apart_and_only_its_keyed_hash_is_kept(institution, units):
    rows = [
        ["Иванов Пётр Сергеевич", "01.02.2016", "3А", ""],
        ["Иванов Пётр Сергеевич", "12.11.2015", "3А", ""],
    ]

    summary = apply(institution, rows)

    assert summary["created"] == 2
    people = list(Person.objects.filter(institution=institution).order_by("pk"))
    hashes = [p.birth_date_hash for p in people]
    assert hashes == [
        birth_date_hash(institution.pk, dt.date(2016, 2, 1)),
        birth_date_hash(institution.pk, dt.date(2015, 11, 12)),
    ]
    assert len(hashes[0]) == 64 and hashes[0] != hashes[1]
    # Another institution's hash of the same date differs: the key depends on the institution.
    assert birth_date_hash(make_institution().pk, dt.date(2016, 2, 1)) != hashes[0]
    # The date itself is in no column of the person.
    for person in people:
        stored = " ".join(
            str(v) for v in Person.objects.filter(pk=person.pk).values().get().values()
        )
        for text in ("2016", "2015", "01.02", "12.11"):
            assert text not in stored

    # Next year the file moves the one born in 2015 to 3Б: that one is transferred.
    again = plan(
        institution,
        [
            ["Иванов Пётр Сергеевич", "12.11.2015", "3Б", ""],
            ["Иванов Пётр Сергеевич", "01.02.2016", "3А", ""],
        ],
    )
    assert again.is_valid, [e.as_dict() for e in again.errors]
    assert [p.person for p in again.people] == [people[1], people[0]]
    assert [t[0].person for t in again.transfers] == [people[1]]
    assert again.summary()["created"] == 0


def test_a_different_birth_date_is_somebody_else(institution, units):
    services.apply_roster_plan(
        plan=plan(institution, [["Иванов Пётр", "01.02.2016", "3А", ""]]), by=None
    )

    summary = apply(institution, [["Иванов Пётр", "03.03.2017", "3А", ""]])

    assert summary["created"] == 1


def test_a_child_in_two_groups_is_one_person_in_both(institution, groups):
    rows = [
        ["Крылов Арсений Павлович", "19.01.2012", "Робототехника-1", ""],
        ["Петрова Анна", "", "Шахматы-1", ""],
        ["Крылов Арсений Павлович", "19.01.2012", "Шахматы-1", ""],
    ]

    summary = apply(institution, rows)

    assert (summary["rows"], summary["created"]) == (3, 2)
    krylov = Person.objects.get(last_name="Крылов")
    assert open_units(krylov) == {("Робототехника-1", Role.STUDENT), ("Шахматы-1", Role.STUDENT)}
    # Again: nothing changes.
    summary = apply(institution, rows)
    assert (summary["created"], summary["changed"], summary["unchanged"]) == (0, 0, 2)


def test_parents_named_in_childrens_rows_are_linked_and_join_their_classes(institution, units):
    rows = [
        ["Гусев Тимофей", "14.03.2015", "3А", "Гусева Наталья Викторовна"],
        ["Гусева Мирослава", "11.08.2017", "3Б", "Гусева Наталья Викторовна"],
        ["Комарова Алиса", "02.09.2014", "3А", "Комаров Дмитрий; Комарова Ирина"],
    ]

    summary = apply(institution, rows)

    assert summary["created"] == 6  # three children, three parents: siblings share their mother
    mother = Person.objects.get(last_name="Гусева", first_name="Наталья")
    assert mother.kind == PersonKind.PARENT
    assert set(mother.children.values_list("first_name", flat=True)) == {"Тимофей", "Мирослава"}
    assert open_units(mother) == {("3А", Role.PARENT), ("3Б", Role.PARENT)}
    assert GuardianLink.objects.count() == 4
    before = snapshot()
    summary = apply(institution, rows)
    assert (summary["created"], summary["changed"]) == (0, 0)
    assert snapshot() == before


def test_a_namesake_parent_is_told_apart_by_the_child(institution, units):
    first = student(institution, units["3А"], last="Орлов", first="Иван", patronymic="")
    second = student(institution, units["3Б"], last="Орлов", first="Олег", patronymic="")
    mothers = []
    for child in (first, second):
        mother = services.create_person(
            institution=institution, last_name="Орлова", first_name="Елена", kind=PersonKind.PARENT
        )
        services.link_guardian(parent=mother, student=child)
        mothers.append(mother)

    result = plan(institution, [["Орлов Олег", "", "3Б", "Орлова Елена"]])

    assert result.is_valid, [e.as_dict() for e in result.errors]
    parent = next(p for p in result.people if p.kind == PersonKind.PARENT)
    assert parent.person == mothers[1]
    assert result.guardian_links == []


def test_without_complete_nobody_leaves_and_those_missing_are_counted(institution, units):
    student(institution, units["3А"], last="Сидоров", first="Максим")
    student(institution, units["3Б"], last="Петрова", first="Анна")

    result = plan(institution, [["Сидоров Максим", "", "3А", ""]])

    assert (result.leavers, result.summary()["absent"]) == ([], 1)
    complete = plan(institution, [["Сидоров Максим", "", "3А", ""]], complete=True)
    assert [p.last_name for p in complete.leavers] == ["Петрова"]
    assert Membership.objects.filter(end_date__isnull=False).count() == 0
