"""The reconciliation of a chat's members with the roster: states, idempotent reruns, the audit
log, the to-dos, leavers, ambiguous names decided and remembered, the reconcile_chat command."""

import io

import pytest
from django.core.management import call_command

from chats import services
from chats.models import ChatMember, ChatReconciliation, MemberIdentity, MemberSource, MemberState
from chats.services import Member
from roles import services as roles_services
from roles.errors import NotAllowed
from roles.models import AuditEvent, PersonKind, Role, TodoItem, TodoKind

from ..factories import START, make_member
from .members_helpers import person
from .test_memberlist import VK

pytestmark = pytest.mark.django_db


def states(chat) -> dict[str, str]:
    """Who is in which state: the roster person's last name, or the name in the messenger."""
    return {
        (row.person.last_name if row.person_id else row.name): row.state
        for row in ChatMember.objects.filter(chat=chat).select_related("person")
    }


def snapshot(chat):
    return sorted(
        ChatMember.objects.filter(chat=chat).values_list("key", "state", "person_id", "since")
    )


def test_a_pasted_list_gives_the_three_lists(school):
    chat = school.students_chat
    result = services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)

    assert states(chat) == {
        "Соколова": MemberState.PRESENT,  # the class's teacher is expected too
        "Иванов": MemberState.PRESENT,
        "Петрова": MemberState.PRESENT,
        "Сидоров": MemberState.PRESENT,
        "Козлова": MemberState.MISSING,
        "Смирнов": MemberState.MISSING,
        "Артём Незнакомов": MemberState.UNKNOWN,
    }
    assert (result.members_matched, result.members_unknown, result.people_missing) == (4, 1, 2)
    reconciliation = ChatReconciliation.objects.get(chat=chat)
    assert reconciliation.source == MemberSource.PASTED
    assert (reconciliation.present, reconciliation.missing, reconciliation.unknown) == (4, 2, 1)
    assert ChatMember.objects.get(chat=chat, person=school.students["Иванов"]).role == Role.STUDENT


def test_a_rerun_with_the_same_list_changes_nothing_and_writes_no_audit_row(school):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)
    before = snapshot(chat)
    audits = AuditEvent.objects.filter(action="chat.reconcile").count()
    todos = TodoItem.objects.count()

    result = services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)

    assert result.changed is False
    assert snapshot(chat) == before
    assert AuditEvent.objects.filter(action="chat.reconcile").count() == audits == 1
    assert TodoItem.objects.count() == todos


def test_every_run_that_changes_something_is_audited_without_names(school):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text=VK, by=school.teacher.user)
    services.reconcile_pasted(chat=chat, text=VK + "Смирнов Егор\n", by=school.teacher.user)

    events = list(AuditEvent.objects.filter(action="chat.reconcile").order_by("pk"))
    assert len(events) == 2
    # Смирнов: the missing person's row goes, the member's row comes.
    assert (events[1].data["added"], events[1].data["removed"]) == (1, 1)
    assert "Смирнов" not in str(events[1].data)


def test_to_dos_invite_the_missing_and_check_the_unknown_once(school):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text=VK, by=None)
    titles = sorted(TodoItem.objects.values_list("title", flat=True))
    assert len(titles) == 2
    invite = next(t for t in titles if "Козлова" in t)
    assert "Смирнов" in invite and "(2)" in invite
    check = next(t for t in titles if "Незнакомов" in t)
    assert "(1)" in check

    # Смирнов joins, a second stranger appears: only the stranger is new to check.
    services.reconcile_pasted(chat=chat, text=VK + "Смирнов Егор\nГость Вася\n", by=None)
    new = TodoItem.objects.exclude(title__in=titles)
    assert [t.title for t in new] == [
        t for t in new.values_list("title", flat=True) if "Гость Вася" in t
    ]
    assert new.count() == 1 and "Незнакомов" not in new.get().title


def test_a_leaver_still_in_a_reconciled_chat_gets_a_remove_to_do(school, admin_user):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text=VK, by=None)
    sidorov = school.students["Сидоров"]
    today = school.institution.local_today()

    roles_services.leave(person=sidorov, effective_date=today, by=admin_user)

    row = ChatMember.objects.get(chat=chat, person=sidorov)
    assert row.state == MemberState.LEFT
    removal = TodoItem.objects.get(
        kind=TodoKind.REMOVE, person=sidorov, title__contains="5А: ученики"
    )
    assert today.strftime("%d.%m.%Y") in removal.title
    assert ChatReconciliation.objects.get(chat=chat).left == 1

    # The next list still shows him: no second to-do.
    services.reconcile_pasted(chat=chat, text=VK, by=None)
    assert ChatMember.objects.get(chat=chat, person=sidorov).state == MemberState.LEFT
    assert TodoItem.objects.filter(pk__gt=removal.pk, person=sidorov).count() == 0


def test_a_member_of_another_class_and_a_leaver_found_in_the_list(school, admin_user):
    chat = school.students_chat
    smirnov = school.students["Смирнов"]
    roles_services.leave(person=smirnov, effective_date=START, by=admin_user)

    services.reconcile_pasted(chat=chat, text="Егор Смирнов\nДенис Орлов\n", by=None)

    assert states(chat)["Смирнов"] == MemberState.LEFT
    assert states(chat)["Орлов"] == MemberState.MOVED
    removals = TodoItem.objects.filter(kind=TodoKind.REMOVE, title__contains="5А: ученики")
    assert {t.person.last_name for t in removals} >= {"Смирнов", "Орлов"}


def test_the_administration_may_sit_in_any_chat(school):
    director = make_member(school.institution, Role.DIRECTOR)
    text = f"{director.first_name} {director.last_name}\nИван Иванов\n"
    services.reconcile_pasted(chat=school.students_chat, text=text, by=None)
    row = ChatMember.objects.get(chat=school.students_chat, person=director)
    assert row.state == MemberState.PRESENT


def test_an_ambiguous_name_is_decided_and_the_decision_remembered(school, admin_user):
    chat = school.students_chat
    twins = [person(school.institution, PersonKind.STUDENT, "Кузнецов", "Илья", p)
             for p in ("Андреевич", "Олегович")]  # fmt: skip
    for twin in twins:
        roles_services.enrol(
            person=twin, unit=school.klass, role=Role.STUDENT, effective_date=START
        )

    services.reconcile_pasted(chat=chat, text="Илья Кузнецов\nИван Иванов\n", by=admin_user)
    row = ChatMember.objects.get(chat=chat, state=MemberState.AMBIGUOUS)
    assert sorted(row.candidates) == sorted(t.pk for t in twins)
    assert (
        ChatMember.objects.filter(chat=chat, person__in=twins, state=MemberState.MISSING).count()
        == 2
    )

    services.decide_member(member=row, person=twins[1], by=admin_user)

    assert ChatMember.objects.get(chat=chat, person=twins[1]).state == MemberState.PRESENT
    assert ChatMember.objects.get(chat=chat, person=twins[0]).state == MemberState.MISSING
    assert MemberIdentity.objects.filter(chat=chat, person=twins[1]).exists()
    # The same list next week: the decision holds.
    result = services.reconcile_pasted(
        chat=chat, text="Илья Кузнецов\nИван Иванов\n", by=admin_user
    )
    assert result.changed is False
    assert not ChatMember.objects.filter(chat=chat, state=MemberState.AMBIGUOUS).exists()


def test_a_member_decided_to_be_nobody_of_ours_stays_a_stranger(school, admin_user):
    chat = school.students_chat
    services.reconcile_pasted(chat=chat, text="Иванов И.\n", by=admin_user)
    row = ChatMember.objects.get(chat=chat, name="Иванов И")
    assert row.state == MemberState.PRESENT  # initials fit the one Иванов И. of the class

    services.decide_member(member=row, person=None, by=admin_user)

    assert ChatMember.objects.get(chat=chat, key=row.key).state == MemberState.UNKNOWN
    assert states(chat)["Иванов"] == MemberState.MISSING


def test_a_member_id_once_matched_is_matched_by_id_from_then_on(school):
    chat = school.students_chat
    services.reconcile(chat=chat, members=[Member("Мария Петрова", "501")], source="max")
    assert MemberIdentity.objects.get(key="max:501").person == school.students["Петрова"]

    # She renamed herself in MAX: still her.
    services.reconcile(chat=chat, members=[Member("Маша 🌸", "501")], source="max")
    row = ChatMember.objects.get(chat=chat, key="max:501")
    assert (row.person, row.state, row.name) == (school.students["Петрова"], "present", "Маша 🌸")


def test_only_the_owner_or_an_admin_reconciles(school, admin_user):
    chat = school.students_chat
    other_teacher = make_member(school.institution, Role.TEACHER, school.klass, verified=True)
    with pytest.raises(NotAllowed):
        services.reconcile_pasted(chat=chat, text=VK, by=other_teacher.user)
    services.reconcile_pasted(chat=chat, text=VK, by=admin_user)
    assert ChatReconciliation.objects.filter(chat=chat).exists()


def test_the_reconcile_chat_command_prints_its_counts(school, tmp_path):
    path = tmp_path / "members.txt"
    path.write_text(VK, encoding="utf-8")
    out = io.StringIO()

    call_command("reconcile_chat", str(school.students_chat.pk), str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "members_matched=4",
        "members_unknown=1",
        "people_missing=2",
    ]


def test_a_teacher_who_is_also_a_parent_of_the_class_is_expected_in_both_chats(school):
    from roles.models import Membership

    teacher = school.teacher
    # Her child is in the class (the roster's rules are not this test's business).
    Membership.objects.create(person=teacher, unit=school.klass, role=Role.PARENT, start_date=START)
    services.reconcile_pasted(chat=school.students_chat, text="Анна Соколова\n", by=None)
    services.reconcile_pasted(chat=school.parents_chat, text="Анна Соколова\n", by=None)
    assert ChatMember.objects.get(chat=school.students_chat, person=teacher).role == Role.TEACHER
    assert ChatMember.objects.get(chat=school.parents_chat, person=teacher).role == Role.PARENT
