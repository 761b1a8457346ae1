"""Merging two roster rows of one person: `roles.services.merge_people`.

The rows of every app move (roles' own directly, the others' on `roles.signals.people_merged`),
nothing is left pointing at the removed person, nothing is cascaded away, and it is audited.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from channels_app import services as channel_services
from channels_app.models import EventKind
from chats import services as chat_services
from chats.models import ChatKind
from invitations import services as invitation_services
from invitations.models import JoinRequest
from roles import services
from roles.errors import NotAllowed, RuleBroken
from roles.models import (
    AdminAppointment,
    AuditEvent,
    GuardianLink,
    Membership,
    Person,
    PersonKind,
    Role,
    TodoKind,
    UnitKind,
    Verification,
)

from ...factories import START, UserFactory, make_institution, make_member, make_person, make_unit

CHAT_LINK = "https://vk.me/join/AbCdEf123456"


def person_relations() -> list[tuple[type[models.Model], str]]:
    """Every foreign key to Person in the project, found through the app registry."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            relation = field.is_relation and field.concrete and field.many_to_one
            if relation and field.related_model is Person:
                found.append((model, field.name))
    return found


def rows_pointing_at(person) -> dict[tuple[str, str], set[int]]:
    rows = {}
    for model, name in person_relations():
        pks = set(model._base_manager.filter(**{name: person.pk}).values_list("pk", flat=True))
        if pks:
            rows[(model._meta.label, name)] = pks
    return rows


def merge_and_check(keep, remove, by) -> set[tuple[str, str]]:
    """Merge; every row that pointed at `remove` still exists and points at `keep`; nothing
    points at `remove` any more. Returns the relations that had rows."""
    before = rows_pointing_at(remove)
    services.merge_people(keep=keep, remove=remove, by=by)
    assert not Person.objects.filter(pk=remove.pk).exists()
    assert rows_pointing_at(remove) == {}
    for (label, name), pks in before.items():
        model = apps.get_model(label)
        still = set(model._base_manager.filter(pk__in=pks).values_list(name, flat=True))
        assert still == {keep.pk}, (label, name)
        assert model._base_manager.filter(pk__in=pks).count() == len(pks), (label, name)
    return set(before)


def namesake(person, **kwargs):
    """Another row with the person's name, as a join request or a hand entry leaves it."""
    kwargs.setdefault("kind", person.kind)
    kwargs.setdefault("external_id", "")
    return make_person(
        person.institution, last_name=person.last_name, first_name=person.first_name, **kwargs
    )


def passwordless_student(institution, unit, by, **names):
    """A student who joined by a personal link: a membership, a use of the link, a login."""
    person = make_person(institution, kind=PersonKind.STUDENT, external_id="", **names)
    services.enrol(person=person, unit=unit, role=Role.STUDENT, effective_date=START)
    _invitation, token = invitation_services.create_invitation(
        unit=unit, role=Role.STUDENT, created_by=by, person=person
    )
    invitation_services.join_by_personal_link(token=token)
    person.refresh_from_db()
    return person


# --- no orphan rows: every foreign key to Person is walked ------------------------------------


def test_a_merge_leaves_no_row_pointing_at_the_removed_person(institution, klass, admin_user):
    covered: set[tuple[str, str]] = set()

    # A student entered twice: the second row joined, has a login, links, requests, to-dos.
    keep = make_person(institution, kind=PersonKind.STUDENT, last_name="Орлова", first_name="Вера")
    services.enrol(person=keep, unit=klass, role=Role.STUDENT, effective_date=START)
    other_class = make_unit(institution, UnitKind.CLASS, "4Б", academic_year="2026/2027")
    remove = passwordless_student(
        institution, other_class, admin_user, last_name="Орлова", first_name="Вера"
    )
    parent = make_person(institution, kind=PersonKind.PARENT, last_name="Орлова", first_name="Анна")
    services.link_guardian(parent=parent, student=remove)
    services.create_todo(
        institution=institution, kind=TodoKind.OTHER, title="Проверить", person=remove
    )
    invitation_services.issue_signin_link(person=remove, by=admin_user)
    # A class link without approval: the name of somebody who joined makes a request for them.
    _link, class_token = invitation_services.create_invitation(
        unit=other_class,
        role=Role.STUDENT,
        created_by=admin_user,
        max_uses=None,
        needs_approval=False,
    )
    request = invitation_services.request_to_join(
        token=class_token, user=UserFactory(), last_name="Орлова", first_name="Вера"
    )
    assert isinstance(request, JoinRequest) and request.person == remove
    covered |= merge_and_check(keep, remove, admin_user)
    keep.refresh_from_db()
    assert keep.user is not None  # the login came over
    assert set(keep.memberships.values_list("unit__name", flat=True)) == {"3А", "4Б"}

    # A parent entered twice: the guardian link from the parent's side.
    child = make_person(institution, kind=PersonKind.STUDENT, last_name="Ким", first_name="Ли")
    keep_parent = make_person(institution, kind=PersonKind.PARENT, last_name="Ким", first_name="Ю")
    remove_parent = namesake(keep_parent)
    services.link_guardian(parent=remove_parent, student=child)
    covered |= merge_and_check(keep_parent, remove_parent, admin_user)
    assert list(keep_parent.children.all()) == [child]

    # A teacher entered twice: chats, reminders, authorship, events, attendance, appointment.
    keep_teacher = make_member(institution, Role.TEACHER, other_class, with_user=False)
    remove_teacher = namesake(keep_teacher, email="teacher@example.org", user=UserFactory())
    for unit in (services.staff_room(institution), klass):
        services.enrol(person=remove_teacher, unit=unit, role=Role.TEACHER, effective_date=START)
    services.decide_teacher_verification(person=remove_teacher, by=None, approve=True)
    director = Person.objects.get(institution=institution, memberships__role=Role.DIRECTOR)
    services.appoint_admin(
        institution=institution,
        person=remove_teacher,
        order_number="9-од",
        order_date=START,
        by=director.user,
        start_date=START,
    )
    circle = chat_services.register_chat(
        institution=institution,
        kind=ChatKind.OTHER,
        title="Кружок",
        platform="vk",
        link=CHAT_LINK,
        by=remove_teacher.user,
        unit=klass,
    )
    # The chat reconciled: the teacher seen in it under a messenger id, a namesake decided by
    # the admin (a remembered match).
    chat_services.reconcile(
        chat=circle,
        members=[chat_services.Member(name=remove_teacher.full_name, member_id="max-7")],
        source="max",
    )
    seen = circle.members.get(key="max:max-7")
    chat_services.decide_member(member=seen, person=remove_teacher, by=admin_user)
    chat_services.send_missing_chat_reminders(institution=institution)
    channel_services.allow_author(institution=institution, person=remove_teacher, by=admin_user)
    starts = timezone.now() - dt.timedelta(hours=1)
    seminar = channel_services.create_event(
        institution=institution,
        kind=EventKind.SEMINAR,
        title="Семинар",
        starts_at=starts + dt.timedelta(days=1),
        ends_at=starts + dt.timedelta(days=1, hours=1),
        by=admin_user,
        host=remove_teacher,
    )
    type(seminar).objects.filter(pk=seminar.pk).update(starts_at=starts)
    seminar.refresh_from_db()
    channel_services.mark_attended(event=seminar, by=remove_teacher.user)
    covered |= merge_and_check(keep_teacher, remove_teacher, admin_user)
    keep_teacher.refresh_from_db()
    assert keep_teacher.user is not None and keep_teacher.email == "teacher@example.org"
    assert AdminAppointment.objects.get(person=keep_teacher).end_date is None

    # The data above reached every foreign key to Person the project has: a new one without
    # a receiver (or without data here) fails this test.
    everything = {(model._meta.label, name) for model, name in person_relations()}
    assert covered == everything, everything - covered


def test_the_merge_is_audited(institution, klass, admin_user):
    keep = make_person(institution, last_name="Лебедев", first_name="Павел")
    remove = namesake(keep)

    services.merge_people(keep=keep, remove=remove, by=admin_user)

    event = AuditEvent.objects.get(action="person.merge")
    assert event.actor == admin_user
    assert event.object_id == str(keep.pk)
    assert event.data["removed"]["pk"] == remove.pk
    assert event.data["kept"]["pk"] == keep.pk


# --- what becomes of the rows --------------------------------------------------------------------


def test_an_open_membership_both_hold_becomes_one(institution, klass, admin_user):
    """The database allows one open membership per person, unit and role: the two fold into
    one, with the earlier start, the «joined» mark and the better «учитель» status."""
    keep = make_member(institution, Role.TEACHER, klass, with_user=False)
    remove = namesake(keep)
    services.enrol(person=remove, unit=klass, role=Role.TEACHER, effective_date=START)
    services.decide_teacher_verification(person=remove, by=None, approve=True)
    services.mark_joined(memberships=Membership.objects.filter(person=remove))

    services.merge_people(keep=keep, remove=remove, by=admin_user)

    membership = Membership.objects.get(person=keep, unit=klass, end_date__isnull=True)
    assert membership.verification == Verification.VERIFIED
    assert membership.joined_at is not None
    assert Membership.objects.filter(person=keep, unit=klass).count() == 1


def test_the_uses_of_a_folded_membership_point_at_the_kept_one(institution, klass, admin_user):
    keep = make_person(institution, last_name="Орлова", first_name="Вера")
    services.enrol(person=keep, unit=klass, role=Role.STUDENT, effective_date=START)
    remove = passwordless_student(
        institution, klass, admin_user, last_name="Орлова", first_name="Вера"
    )

    services.merge_people(keep=keep, remove=remove, by=admin_user)

    from invitations.models import InvitationUse

    use = InvitationUse.objects.get()
    assert use.person == keep
    assert use.membership.person == keep
    assert use.membership.joined_at is not None


def test_guardian_links_move_without_duplicates(institution, admin_user):
    child = make_person(institution, kind=PersonKind.STUDENT, last_name="Ким", first_name="Ли")
    keep = make_person(institution, kind=PersonKind.PARENT, last_name="Ким", first_name="Ю")
    remove = namesake(keep)
    services.link_guardian(parent=keep, student=child)
    services.link_guardian(parent=remove, student=child)

    services.merge_people(keep=keep, remove=remove, by=admin_user)

    assert list(GuardianLink.objects.values_list("parent_id", "student_id")) == [
        (keep.pk, child.pk)
    ]


def test_the_kept_person_takes_over_the_details_it_lacks(institution, admin_user):
    keep = make_person(institution, kind=PersonKind.PARENT, external_id="", last_name="Ким")
    remove = namesake(keep, external_id="E-77", patronymic="Сергеевна", email="kim@example.org")

    services.merge_people(keep=keep, remove=remove, by=admin_user)

    keep.refresh_from_db()
    assert (keep.external_id, keep.patronymic, keep.email) == (
        "E-77",
        "Сергеевна",
        "kim@example.org",
    )


def test_a_sign_in_link_moves_along_with_the_login(institution, admin_user):
    keep = make_person(institution, last_name="Орлова", first_name="Вера", external_id="")
    user = invitation_services.passwordless_user(first_name="Вера", last_name="Орлова")
    remove = namesake(keep, user=user)
    _link, token = invitation_services.issue_signin_link(person=remove, by=admin_user)

    services.merge_people(keep=keep, remove=remove, by=admin_user)

    keep.refresh_from_db()
    assert keep.user == user
    assert invitation_services.use_signin_link(token=token) == user


# --- refusals: nothing is written ---------------------------------------------------------------


def test_two_different_logins_are_refused(institution, admin_user):
    keep = make_person(institution, user=UserFactory())
    remove = namesake(keep, user=UserFactory())

    with pytest.raises(RuleBroken):
        services.merge_people(keep=keep, remove=remove, by=admin_user)
    assert Person.objects.filter(pk=remove.pk).exists()
    assert not AuditEvent.objects.filter(action="person.merge").exists()


@pytest.mark.parametrize(
    "other",
    [
        {"kind": PersonKind.PARENT},  # another kind
        {"external_id": "ANOTHER"},  # the school's system counts two people
    ],
)
def test_people_who_are_not_one_are_refused(institution, admin_user, other):
    keep = make_person(institution, external_id="ONE")
    remove = namesake(keep, **other)
    with pytest.raises(RuleBroken):
        services.merge_people(keep=keep, remove=remove, by=admin_user)
    assert Person.objects.filter(pk=remove.pk).exists()


def test_merging_a_person_with_themselves_is_refused(institution, admin_user):
    person = make_person(institution)
    with pytest.raises(RuleBroken):
        services.merge_people(keep=person, remove=person, by=admin_user)


def test_a_person_of_another_institution_is_out_of_reach(institution, admin_user):
    keep = make_person(institution)
    remove = make_person(make_institution(), last_name=keep.last_name)
    with pytest.raises(NotAllowed):
        services.merge_people(keep=keep, remove=remove, by=admin_user)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.TEACHER])
def test_only_admins_merge(institution, klass, role):
    by = make_member(institution, role, klass if role == Role.TEACHER else None).user
    keep = make_person(institution)
    remove = namesake(keep)
    with pytest.raises(NotAllowed):
        services.merge_people(keep=keep, remove=remove, by=by)
    assert Person.objects.filter(pk=remove.pk).exists()


# --- the duplicates selector ------------------------------------------------------------------


def test_likely_duplicates_are_namesakes_of_one_kind(institution, klass):
    from roles import selectors

    a = make_person(institution, last_name="Семёнов", first_name="Артём")
    b = make_person(institution, last_name=" семенов ", first_name="АРТЕМ")
    services.enrol(person=a, unit=klass, role=Role.STUDENT, effective_date=START)
    services.enrol(person=b, unit=klass, role=Role.STUDENT, effective_date=START)
    make_person(institution, kind=PersonKind.PARENT, last_name="Семёнов", first_name="Артём")
    make_person(institution, last_name="Семёнов", first_name="Пётр")
    c = make_person(institution, last_name="Ли", first_name="Ан", patronymic="Ович")
    e = make_person(institution, last_name="Ли", first_name="Ан", patronymic="Петрович")
    d = make_person(institution, last_name="Ли", first_name="Ан")

    pairs = selectors.duplicate_pairs(institution)

    assert [(p.first, p.second, p.same_unit) for p in pairs] == [
        (a.pk, b.pk, True),  # same unit first
        (c.pk, d.pk, False),
        (e.pk, d.pk, False),  # «Петрович» and the one without a patronymic
    ]
