"""The chats the regulation requires: which exist, which are missing, and in how many queries."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import selectors, services
from chats.models import ChatKind
from chats.rules import AUDIENCE, REGISTERED_BY, REQUIREMENTS
from roles import services as roles_services
from roles.models import AuditEvent, Role

from ..conftest import login
from ..factories import START, make_institution, make_member
from .helpers import member, page, populate, register, text_of
from .helpers import teacher as make_teacher

INSTITUTION_KINDS = [ChatKind.DIRECTOR_DEPUTIES, ChatKind.DIRECTOR_TEACHERS, ChatKind.STAFF_ROOM]


def requirements(board) -> list[tuple[str, str | None, bool]]:
    """(kind, unit name or None, met) of every row, sorted."""
    return sorted(
        ((row.kind, row.unit.name if row.unit else None, row.met) for row in board.rows),
        key=lambda t: (t[0], t[1] or ""),
    )


def unit_rows(board, unit) -> dict[str, object]:
    return {row.kind: row for row in board.rows if row.unit == unit}


# --- the rules as data ------------------------------------------------------------------------


def test_every_kind_but_other_is_required_exactly_once_and_every_kind_has_its_rules():
    required = [r.kind for r in REQUIREMENTS]
    assert sorted(required) == sorted(k for k in ChatKind.values if k != ChatKind.OTHER)
    assert {r.kind: r.scope for r in REQUIREMENTS} == {
        ChatKind.DIRECTOR_DEPUTIES: "institution",
        ChatKind.DIRECTOR_TEACHERS: "institution",
        ChatKind.STAFF_ROOM: "institution",
        ChatKind.CLASS_STUDENTS: "class",
        ChatKind.CLASS_PARENTS: "class",
        ChatKind.DEPARTMENT_TEACHERS: "department",
    }
    assert set(AUDIENCE) == set(ChatKind.values)
    assert set(REGISTERED_BY) == set(ChatKind.values)


# --- per institution --------------------------------------------------------------------------


def test_an_institution_requires_its_three_management_chats_from_the_start(
    institution, admin_person
):
    board = selectors.compliance(institution)

    assert requirements(board) == sorted((k, None, False) for k in INSTITUTION_KINDS)
    assert (board.met, board.total, board.percent) == (0, 3, 0)
    rows = {row.kind: row for row in board.rows}
    directors = [p.short_name for p in rows[ChatKind.DIRECTOR_DEPUTIES].responsible]
    assert len(directors) == 1  # the director who appointed the admin
    assert (
        rows[ChatKind.DIRECTOR_TEACHERS].responsible == rows[ChatKind.DIRECTOR_DEPUTIES].responsible
    )
    # The staff room's chat is the administrators' to create.
    assert rows[ChatKind.STAFF_ROOM].responsible == [admin_person]


def test_the_management_chats_are_met_by_the_chats_the_director_and_admin_register(
    institution, admin_user, director
):
    register(director.user, institution, ChatKind.DIRECTOR_DEPUTIES)
    register(director.user, institution, ChatKind.DIRECTOR_TEACHERS, platform="max")
    register(admin_user, institution, ChatKind.STAFF_ROOM)

    board = selectors.compliance(institution)

    assert requirements(board) == sorted((k, None, True) for k in INSTITUTION_KINDS)
    assert (board.met, board.total, board.percent) == (3, 3, 100)


def test_an_empty_institution_has_nobody_responsible_and_zero_percent(db):
    institution = make_institution()

    board = selectors.compliance(institution)

    assert board.total == 3
    assert board.percent == 0
    assert all(row.responsible == [] for row in board.rows)
    assert board.teachers() == []


# --- per class --------------------------------------------------------------------------------


def test_a_class_without_any_teacher_requires_nothing(institution, klass):
    member(klass, Role.STUDENT)
    member(klass, Role.PARENT)

    assert unit_rows(selectors.compliance(institution), klass) == {}


def test_a_class_without_a_verified_teacher_requires_nothing_yet_and_verifying_adds_two(
    institution, klass
):
    pending = make_teacher(institution, klass, verified=False)

    assert unit_rows(selectors.compliance(institution), klass) == {}

    roles_services.decide_teacher_verification(person=pending, by=None, approve=True)

    rows = unit_rows(selectors.compliance(institution), klass)
    assert set(rows) == {ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS}
    assert all(not row.met and row.responsible == [pending] for row in rows.values())


def test_a_rejected_teacher_does_not_make_the_class_require_chats(institution, klass):
    rejected = make_teacher(institution, klass, verified=False)
    roles_services.decide_teacher_verification(
        person=rejected, by=None, approve=False, note="нет статуса в Сферуме"
    )

    assert unit_rows(selectors.compliance(institution), klass) == {}


def test_a_teacher_of_the_staff_room_only_makes_no_class_require_chats(institution, klass):
    make_teacher(institution)  # verified, staff room only

    board = selectors.compliance(institution)

    assert [row.kind for row in board.rows if row.unit is not None] == []


def test_each_class_with_a_verified_teacher_requires_students_and_parents(
    institution, klass, other_class
):
    first = make_teacher(institution, klass)
    second = make_teacher(institution, other_class, klass)  # teaches both

    board = selectors.compliance(institution)

    assert set(unit_rows(board, klass)) == {ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS}
    assert set(unit_rows(board, other_class)) == {ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS}
    responsible = unit_rows(board, klass)[ChatKind.CLASS_STUDENTS].responsible
    assert sorted(p.pk for p in responsible) == sorted([first.pk, second.pk])
    assert [p.pk for p in unit_rows(board, other_class)[ChatKind.CLASS_PARENTS].responsible] == [
        second.pk
    ]


def test_an_archived_class_requires_nothing(institution, klass, admin_user):
    make_teacher(institution, klass)
    roles_services.archive_unit(unit=klass, by=admin_user)

    assert unit_rows(selectors.compliance(institution), klass) == {}


# --- per department ---------------------------------------------------------------------------


def test_a_department_requires_its_teachers_chat_once_it_has_a_teacher(institution, department):
    assert unit_rows(selectors.compliance(institution), department) == {}

    someone = make_teacher(institution, department, verified=False)

    rows = unit_rows(selectors.compliance(institution), department)
    assert set(rows) == {ChatKind.DEPARTMENT_TEACHERS}
    assert rows[ChatKind.DEPARTMENT_TEACHERS].responsible == [someone]


def test_a_department_with_only_a_deputy_requires_nothing(institution, department):
    make_member(institution, Role.DEPUTY, department)

    assert unit_rows(selectors.compliance(institution), department) == {}


# --- met, total, percentages ------------------------------------------------------------------


def test_met_total_and_percent_follow_the_registered_chats(
    institution, klass, department, teacher, admin_user, director
):
    roles_services.enrol(person=teacher, unit=department, role=Role.TEACHER, effective_date=START)
    board = selectors.compliance(institution)
    assert (board.met, board.total, board.percent) == (0, 6, 0)

    register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    board = selectors.compliance(institution)
    assert (board.met, board.total, board.percent) == (1, 6, 17)

    register(teacher.user, institution, ChatKind.CLASS_PARENTS, klass, platform="max")
    register(teacher.user, institution, ChatKind.DEPARTMENT_TEACHERS, department)
    board = selectors.compliance(institution)
    assert (board.met, board.total, board.percent) == (3, 6, 50)

    register(director.user, institution, ChatKind.DIRECTOR_DEPUTIES)
    register(director.user, institution, ChatKind.DIRECTOR_TEACHERS)
    register(admin_user, institution, ChatKind.STAFF_ROOM)
    board = selectors.compliance(institution)
    assert (board.met, board.total, board.percent) == (6, 6, 100)
    assert board.missing_for(teacher) == []


def test_a_chat_meets_only_the_requirement_of_its_own_kind_and_unit(
    institution, klass, other_class, admin_user
):
    make_teacher(institution, klass)
    register(admin_user, institution, ChatKind.CLASS_STUDENTS, other_class)
    register(admin_user, institution, ChatKind.OTHER, klass)

    rows = unit_rows(selectors.compliance(institution), klass)

    assert not rows[ChatKind.CLASS_STUDENTS].met
    assert not rows[ChatKind.CLASS_PARENTS].met


def test_two_chats_for_one_requirement_meet_it_once(institution, klass, teacher):
    first = register(teacher.user, institution, ChatKind.CLASS_PARENTS, klass)
    second = register(teacher.user, institution, ChatKind.CLASS_PARENTS, klass, platform="max")

    board = selectors.compliance(institution)

    row = unit_rows(board, klass)[ChatKind.CLASS_PARENTS]
    assert row.met
    assert sorted(c.pk for c in row.chats) == sorted([first.pk, second.pk])
    assert board.met == 1


def test_archiving_a_chat_reopens_the_gap(institution, klass, teacher):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    assert unit_rows(selectors.compliance(institution), klass)[ChatKind.CLASS_STUDENTS].met

    services.archive_chat(chat=chat, by=teacher.user)

    board = selectors.compliance(institution)
    assert not unit_rows(board, klass)[ChatKind.CLASS_STUDENTS].met
    assert sorted(r.kind for r in board.missing_for(teacher)) == sorted(
        [ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS]
    )


def test_archiving_through_the_page_reopens_the_gap_on_the_board(
    institution, klass, teacher, admin_client
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, title="Ребята 3А")
    client = login(teacher.user)

    response = client.post(page("archive", institution, chat.pk))

    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.archived_at is not None
    board = admin_client.get(page("board", institution) + "?gaps=on")
    gaps = [(r.kind, r.unit) for r in board.context["rows"]]
    assert (ChatKind.CLASS_STUDENTS, klass) in gaps
    assert "Ребята 3А" not in text_of(board)


def test_missing_for_and_teachers_count_each_persons_gaps(
    institution, klass, other_class, department
):
    busy = make_teacher(institution, klass, other_class, last_name="Антонова")
    done = make_teacher(institution, department, last_name="Борисов")
    register(done.user, institution, ChatKind.DEPARTMENT_TEACHERS, department)
    register(busy.user, institution, ChatKind.CLASS_STUDENTS, klass)

    board = selectors.compliance(institution)

    assert sorted((r.kind, r.unit.name) for r in board.missing_for(busy)) == [
        (ChatKind.CLASS_PARENTS, "3А"),
        (ChatKind.CLASS_PARENTS, "3Б"),
        (ChatKind.CLASS_STUDENTS, "3Б"),
    ]
    assert board.missing_for(done) == []
    by_teacher = {person.pk: (required, missing) for person, required, missing in board.teachers()}
    assert by_teacher[busy.pk] == (4, 3)
    assert by_teacher[done.pk] == (1, 0)
    # The most gaps first.
    assert board.teachers()[0][0].pk == busy.pk


def test_the_board_groups_rows_by_unit_with_the_institution_first(
    institution, klass, department, teacher
):
    roles_services.enrol(person=teacher, unit=department, role=Role.TEACHER, effective_date=START)

    grouped = selectors.compliance(institution).by_unit()

    assert grouped[0][0] is None
    assert set(grouped[0][1]) == set(INSTITUTION_KINDS)
    units = {unit: set(kinds) for unit, kinds in grouped[1:]}
    assert units == {
        klass: {ChatKind.CLASS_STUDENTS, ChatKind.CLASS_PARENTS},
        department: {ChatKind.DEPARTMENT_TEACHERS},
    }


# --- a teacher who leaves ---------------------------------------------------------------------


def test_a_teacher_who_leaves_leaves_their_chats_waiting_for_a_new_owner(
    institution, klass, teacher, admin_user, admin_client
):
    students = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, title="Ребята")
    parents = register(teacher.user, institution, ChatKind.CLASS_PARENTS, klass, title="Родители")
    old = register(teacher.user, institution, ChatKind.OTHER, title="Старый чат")
    services.archive_chat(chat=old, by=teacher.user)
    assert selectors.compliance(institution).needs_owner == []

    roles_services.leave(person=teacher, effective_date=institution.local_today(), by=admin_user)

    for chat in (students, parents):
        chat.refresh_from_db()
        assert chat.owner is None
        assert chat.needs_new_owner
    old.refresh_from_db()
    assert old.owner == teacher  # archived chats are not handed over
    board = selectors.compliance(institution)
    assert sorted(c.pk for c in board.needs_owner) == sorted([students.pk, parents.pk])
    assert AuditEvent.objects.filter(action="chat.release", object_id=str(teacher.pk)).exists()
    # The administrator sees them on the board, each with a link to give it a new owner.
    html = text_of(admin_client.get(page("board", institution)))
    for chat in (students, parents):
        assert chat.title in html
        assert page("edit", institution, chat.pk) in html
    # ... and in the registry, filtered by state.
    registry = admin_client.get(page("registry", institution) + "?state=no_owner")
    assert sorted(c.pk for c in registry.context["page"].object_list) == sorted(
        [students.pk, parents.pk]
    )


def test_the_admin_gives_a_chat_a_new_owner_through_the_edit_page(
    institution, klass, teacher, admin_user, admin_client
):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass, member_count=12)
    roles_services.leave(person=teacher, effective_date=institution.local_today(), by=admin_user)
    successor = _successor(institution, klass)
    chat.refresh_from_db()
    assert chat.owner is None

    form = admin_client.get(page("edit", institution, chat.pk))
    assert form.status_code == 200
    response = admin_client.post(
        page("edit", institution, chat.pk),
        {
            "unit": klass.pk,
            "title": chat.title,
            "platform": chat.platform,
            "link": chat.link,
            "member_count": 12,
            "owner": successor.pk,
        },
    )

    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.owner == successor
    board = selectors.compliance(institution)
    assert board.needs_owner == []
    assert unit_rows(board, klass)[ChatKind.CLASS_STUDENTS].met
    assert chat in selectors.my_chats(successor.user, institution)


def _successor(institution, klass):
    return make_teacher(institution, klass, last_name="Новикова")


def test_only_an_admin_gives_a_chat_a_new_owner(institution, klass, teacher, director):
    chat = register(teacher.user, institution, ChatKind.CLASS_STUDENTS, klass)
    colleague = _successor(institution, klass)

    with pytest.raises(ValidationError):
        services.update_chat(chat=chat, by=teacher.user, owner=colleague)
    with pytest.raises(ValidationError):
        services.update_chat(chat=chat, by=director.user, owner=colleague)

    chat.refresh_from_db()
    assert chat.owner == teacher


# --- a fixed number of queries ----------------------------------------------------------------


def _queries(institution) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        board = selectors.compliance(institution)
        # Use everything the board shows: nothing may load lazily.
        for row in board.rows:
            str(row.unit)
            [p.short_name for p in row.responsible]
            [(c.title, c.owner and c.owner.short_name, str(c.unit)) for c in row.chats]
        [c.title for c in board.needs_owner]
        board.teachers()
        board.by_unit()
    return len(captured), board


def test_compliance_takes_the_same_number_of_queries_whatever_the_size(db):
    small, large = make_institution(), make_institution()
    populate(small, classes=1, departments=1)
    populate(large, classes=16, departments=4)

    small_count, small_board = _queries(small)
    large_count, large_board = _queries(large)

    assert large_board.total > 3 * small_board.total  # really larger
    assert large_board.needs_owner  # a leaver's chat is among them
    assert small_count == large_count
    # The board's (compliance is read from it): the totals, the institution's and ownerless
    # chats, the directors and admins; then one chunk of rows, their teachers, their chats.
    assert small_count == 6


def test_compliance_counts_only_its_own_institution(db):
    first, second = make_institution(), make_institution()
    populate(first, classes=2, departments=1)
    populate(second, classes=5, departments=2)

    first_board = selectors.compliance(first)

    assert {row.unit.institution_id for row in first_board.rows if row.unit} == {first.pk}
    assert {c.institution_id for row in first_board.rows for c in row.chats} <= {first.pk}
