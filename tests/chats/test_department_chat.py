"""Issue 13, item 3 (regulation 2.3.3): the department teachers' chat. A teacher of the
department, or of one of its classes, registers it; a department whose own or whose classes'
teachers are in force requires it on the board."""

import pytest
from django.core.exceptions import ValidationError

from chats import rules, selectors
from chats.models import Chat, ChatKind
from roles.models import Person, UnitKind

from ..conftest import login
from ..factories import make_unit
from .helpers import chat_link, page, register
from .helpers import teacher as make_teacher


@pytest.fixture
def dept_class(institution, department):
    return make_unit(
        institution, UnitKind.CLASS, "Живопись", academic_year="2026/2027", parent=department
    )


def _department_row(institution, department, *, on_board: bool = False):
    """The department's teachers' chat row of `compliance` («My classes», the reminders), or of
    the board (`on_board`): both must say the same."""
    if on_board:
        board = selectors.board(institution)
        rows = board[0 : board.count()]
    else:
        rows = selectors.compliance(institution).rows
    found = [r for r in rows if r.unit == department and r.kind == ChatKind.DEPARTMENT_TEACHERS]
    return found[0] if found else None


def test_a_department_whose_classes_have_teachers_requires_the_chat(
    institution, department, dept_class
):
    assert _department_row(institution, department) is None
    painter = make_teacher(institution, dept_class, last_name="Репина")
    row = _department_row(institution, department)
    assert row is not None and not row.met
    assert [p.pk for p in row.responsible] == [painter.pk]


def test_each_teacher_is_responsible_once(institution, department, dept_class):
    both = make_teacher(institution, department, dept_class, last_name="Дважды")
    row = _department_row(institution, department)
    assert [p.pk for p in row.responsible] == [both.pk]


def test_a_class_outside_any_department_counts_for_none(institution, department, klass):
    make_teacher(institution, klass)
    assert _department_row(institution, department) is None


def test_the_rule_counts_own_teachers_first_then_the_classes(institution, department, dept_class):
    own, painter = Person(pk=1), Person(pk=2)
    teachers = rules.department_teachers(
        {department.pk: [own], dept_class.pk: [painter, own]}, [department, dept_class]
    )
    assert teachers == {department.pk: [own, painter]}


def test_a_teacher_of_a_class_registers_the_department_chat_through_the_page(
    institution, department, dept_class
):
    painter = make_teacher(institution, dept_class, last_name="Репина")
    client = login(painter.user)
    classes = client.get(page("classes", institution)).content.decode()
    assert department.name in classes  # the gap is theirs to fill
    response = client.post(
        page("create", institution),
        {
            "kind": ChatKind.DEPARTMENT_TEACHERS,
            "unit": department.pk,
            "title": "Педагоги художественного отдела",
            "platform": "max",
            "link": chat_link("max"),
        },
    )
    assert response.status_code == 302
    chat = Chat.objects.get(kind=ChatKind.DEPARTMENT_TEACHERS, unit=department)
    assert chat.owner == painter
    assert _department_row(institution, department).met


def test_unverified_or_outside_teachers_do_not_register_it(
    institution, department, dept_class, klass
):
    waiting = make_teacher(institution, dept_class, verified=False)
    elsewhere = make_teacher(institution, klass)
    for person in (waiting, elsewhere):
        with pytest.raises(ValidationError):
            register(person.user, institution, ChatKind.DEPARTMENT_TEACHERS, department)
    assert not Chat.objects.filter(unit=department).exists()


# --- the board says the same as `compliance` (My classes, the reminders) -------------------------


def test_the_board_requires_the_chat_of_a_department_whose_classes_have_teachers(
    institution, department, dept_class
):
    assert _department_row(institution, department, on_board=True) is None
    painter = make_teacher(institution, dept_class, last_name="Репина")
    row = _department_row(institution, department, on_board=True)
    assert row is not None and not row.met
    assert [p.pk for p in row.responsible] == [painter.pk]
    totals = selectors.board(institution).totals_loaded()
    compliance = selectors.compliance(institution)
    assert (totals.met, totals.total) == (compliance.met, compliance.total)


def test_the_board_names_each_teacher_of_a_department_once_its_own_first(
    institution, department, dept_class
):
    painter = make_teacher(institution, dept_class, last_name="Аксёнова")
    own = make_teacher(institution, department, last_name="Яшина")
    both = make_teacher(institution, department, dept_class, last_name="Дважды")
    row = _department_row(institution, department, on_board=True)
    responsible = [p.pk for p in row.responsible]
    assert sorted(responsible) == sorted({painter.pk, own.pk, both.pk})
    assert set(responsible[:2]) == {own.pk, both.pk}  # the department's own teachers first


def test_who_has_missing_chats_counts_a_class_teacher_for_the_department(
    institution, department, dept_class
):
    painter = make_teacher(institution, dept_class, last_name="Репина")
    board = selectors.board(institution)
    board_counts = {p.pk: (required, missing) for p, required, missing in board.teachers(30)}
    compliance = {
        p.pk: (required, missing)
        for p, required, missing in selectors.compliance(institution).teachers()
    }
    assert board_counts[painter.pk] == compliance[painter.pk] == (3, 3)


def test_the_board_filtered_by_a_class_teacher_shows_the_department_they_answer_for(
    institution, department, dept_class
):
    """«Who has missing chats» links to the board filtered by the teacher: it must show every
    row the teacher is counted for, the department's chat of a class they teach included."""
    painter = make_teacher(institution, dept_class, last_name="Репина")
    board = selectors.board(institution, {"teacher": painter})
    rows = {(r.unit.name, r.kind) for r in board[0 : board.count()]}
    assert rows == {
        ("Живопись", ChatKind.CLASS_STUDENTS),
        ("Живопись", ChatKind.CLASS_PARENTS),
        (department.name, ChatKind.DEPARTMENT_TEACHERS),
    }
