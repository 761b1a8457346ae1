"""Issue 13, item 3 (regulation 2.3.3): a teacher's department from the roster file. «Отдел»
beside a class column is the teacher's department (they become its member besides their
class); as the only unit column it is the unit, as before — existing files import as they did."""

from roles import services
from roles.models import Membership, Role, UnitKind
from roles.roster import propose_mapping, read_roster
from roles.roster.columns import DEPARTMENT, UNIT

from ...factories import START, make_member, make_unit
from ..roster_helpers import DEPARTMENT as ART
from ..roster_helpers import (
    STAFF_ROOM,
    YEAR,
    export_csv,
    import_file,
    open_units,
    person,
    plan_file,
)


def test_the_department_header_beside_a_class_column_is_the_department():
    assert propose_mapping(["ФИО", "Отдел", "Объединение"])[1:] == [DEPARTMENT, UNIT]
    # Alone, «Отдел» stays the unit, as every file read before.
    assert propose_mapping(["ФИО", "Отдел"])[1] == UNIT
    assert propose_mapping(["ФИО", "Отдел педагога", "Класс"])[1:] == [DEPARTMENT, UNIT]


def test_a_teacher_joins_the_class_and_the_department(institution, units):
    data = export_csv(
        ("ФИО педагога", "Тип", "Отдел", "Объединение"),
        [("Смирнова Ольга Петровна", "педагог", ART, "3А")],
    )
    rows = read_roster(data, "staff.csv")
    assert rows[0].unit_name == "3А" and rows[0].department_name == ART
    import_file(institution, data, "staff.csv")
    teacher = Membership.objects.get(unit__name="3А", role=Role.TEACHER).person
    assert open_units(teacher) == {
        (STAFF_ROOM, Role.TEACHER),
        ("3А", Role.TEACHER),
        (ART, Role.TEACHER),
    }


def test_a_department_only_file_imports_as_before(institution, units):
    data = export_csv(("ФИО", "Тип", "Отдел"), [("Кузнецов Андрей Игоревич", "сотрудник", ART)])
    assert read_roster(data, "staff.csv")[0].unit_name == ART
    import_file(institution, data, "staff.csv")
    teacher = Membership.objects.get(unit__name=ART).person
    assert open_units(teacher) == {(STAFF_ROOM, Role.TEACHER), (ART, Role.TEACHER)}


def test_an_unknown_department_is_a_bad_row(institution, units):
    data = export_csv(
        ("ФИО", "Тип", "Отдел", "Класс"), [("Кузнецов Андрей Игоревич", "педагог", "Нет", "3А")]
    )
    plan = plan_file(institution, data, "staff.csv")
    assert [e.row for e in plan.errors] == [2]


def test_a_students_department_cell_changes_nothing(institution, department):
    art = make_unit(institution, UnitKind.CLASS, "Живопись", academic_year=YEAR, parent=department)
    data = export_csv(
        ("Идентификатор", "ФИО", "Тип", "Отдел", "Объединение"),
        [("S-9", "Иванов Пётр Сергеевич", "обучающийся", ART, "Живопись")],
    )
    import_file(institution, data, "students.csv")
    assert Membership.objects.get(person=person(institution, "S-9")).unit == art


def test_a_teacher_who_joined_the_staff_room_needs_no_invitation_to_the_department(
    institution, units
):
    teacher = make_member(institution, Role.TEACHER, joined=True)
    services.update_person(person=teacher, by=None, external_id="T-7")
    data = export_csv(
        ("Идентификатор", "Фамилия", "Имя", "Тип", "Отдел", "Класс"),
        [("T-7", teacher.last_name, teacher.first_name, "педагог", ART, "3А")],
    )
    import_file(institution, data, "staff.csv")
    in_department = Membership.objects.get(person=teacher, unit__name=ART)
    assert in_department.joined_at is not None
    assert Membership.objects.get(person=teacher, unit__name="3А").start_date >= START
