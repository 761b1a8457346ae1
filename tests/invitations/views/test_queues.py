"""The queues (views.queues), through HTTP: join requests and teacher verification."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from invitations import services
from invitations.models import Invitation, JoinRequestStatus
from roles import services as roles_services
from roles.models import Membership, Person, Role, UnitKind, Verification

from ...conftest import login
from ...factories import UserFactory, make_institution, make_member, make_unit
from ..helpers import issue, page, roster_member, text_of, token_in

# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.TEACHER, Role.STUDENT])
def test_only_admins_work_the_queues(institution, klass, admin_user, role):
    join_request = _request(klass, admin_user)
    waiting = make_member(institution, Role.TEACHER, klass)
    user = make_member(institution, role, klass if role != Role.DIRECTOR else None).user
    client = login(user)

    assert client.get(page("requests", institution)).status_code == 403
    decision = {f"jr{join_request.pk}-decision": "reject", f"jr{join_request.pk}-reason": "нет"}
    assert (
        client.post(page("decide_request", institution, join_request.pk), decision).status_code
        == 403
    )
    # The verification queue is the administration's too (issue 13, 2.2.4): see
    # tests/roles/views/test_verification_by_administration.py.
    refused = 200 if role == Role.DIRECTOR else 403
    assert client.get(page("verification", institution)).status_code == refused
    if role != Role.DIRECTOR:
        verify = client.post(page("verify", institution, waiting.pk), {"approve": "1"})
        assert verify.status_code == 403

    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING
    assert Membership.objects.get(person=waiting).verification == Verification.PENDING


# --- the join request queue ----------------------------------------------------------------------


def _request(klass, admin_user, role=Role.STUDENT, **fields):
    _invitation, token = issue(klass, role, admin_user, max_uses=None)
    fields.setdefault("last_name", "Лебедев")
    fields.setdefault("first_name", "Павел")
    if role == Role.PARENT:
        fields.setdefault("child_name", "Лебедева Ира")
    return services.request_to_join(token=token, user=UserFactory(), **fields)


def _decide(client, institution, join_request, **fields):
    data = {f"jr{join_request.pk}-{key}": value for key, value in fields.items()}
    return client.post(page("decide_request", institution, join_request.pk), data)


def test_the_queue_lists_pending_requests_and_the_dashboard_counts_them(
    institution, klass, admin_client, admin_user
):
    join_request = _request(klass, admin_user, Role.PARENT)
    make_member(institution, Role.TEACHER, klass)  # awaiting verification

    response = admin_client.get(page("requests", institution))
    assert response.status_code == 200
    assert [jr for jr, _form in response.context["forms"]] == [join_request]
    assert "Лебедев Павел" in text_of(response)
    assert "Лебедева Ира" in text_of(response)

    home = admin_client.get("/")
    assert home.context["queues"] == {"join_requests": 1, "verifications": 1, "posts": 0}


def test_approving_by_matching_a_roster_person(
    institution, klass, admin_client, admin_user, django_capture_on_commit_callbacks
):
    parent = roster_member(klass, Role.PARENT, last_name="Лебедева", first_name="Ольга")
    join_request = _request(
        klass,
        admin_user,
        Role.PARENT,
        last_name="Лебедева",
        first_name="Ольга",
        email="o@example.org",
    )
    form = admin_client.get(page("requests", institution)).context["forms"][0][1]
    assert parent in form.fields["person"].queryset

    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(
            admin_client, institution, join_request, decision="approve", person=parent.pk
        )

    assert response.status_code == 302
    parent.refresh_from_db()
    join_request.refresh_from_db()
    assert parent.user == join_request.user
    membership = Membership.objects.get(person=parent, unit=klass)
    assert membership.joined_at is not None
    assert join_request.status == JoinRequestStatus.APPROVED
    assert join_request.person == parent
    assert join_request.decided_by == admin_user
    assert [m.to for m in mail.outbox] == [["o@example.org"]]


def test_approving_as_a_new_person(institution, klass, admin_client, admin_user):
    join_request = _request(klass, admin_user, last_name="Новиков", first_name="Артём")

    response = _decide(admin_client, institution, join_request, decision="approve", person="")

    assert response.status_code == 302
    person = Person.objects.get(user=join_request.user)
    assert (person.full_name, person.kind) == ("Новиков Артём", "student")
    assert Membership.objects.get(person=person, unit=klass).joined_at is not None
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.APPROVED
    assert mail.outbox == []  # no address is kept for a student


def test_a_rejection_needs_a_reason_and_is_emailed(
    institution, klass, admin_client, admin_user, django_capture_on_commit_callbacks
):
    join_request = _request(klass, admin_user, Role.PARENT, email="p@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        _decide(admin_client, institution, join_request, decision="reject", reason="")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        _decide(
            admin_client, institution, join_request, decision="reject", reason="Нет такого ребёнка"
        )

    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.REJECTED
    assert join_request.reason == "Нет такого ребёнка"
    assert not Person.objects.filter(user=join_request.user).exists()
    assert [m.to for m in mail.outbox] == [["p@example.org"]]
    assert "Нет такого ребёнка" in mail.outbox[0].body


def test_a_decided_request_cannot_be_decided_again(institution, klass, admin_client, admin_user):
    join_request = _request(klass, admin_user)
    _decide(admin_client, institution, join_request, decision="reject", reason="нет")
    join_request.refresh_from_db()
    decided_at = join_request.decided_at

    response = _decide(admin_client, institution, join_request, decision="approve", person="")

    assert response.status_code == 302
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_at) == (
        JoinRequestStatus.REJECTED,
        decided_at,
    )
    assert not Person.objects.filter(user=join_request.user).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages  # the admin is told why


def test_another_institutions_request_is_not_found(institution, admin_client):
    other = make_institution()
    other_admin = make_member(other, Role.ADMIN).user
    join_request = _request(make_unit(other, UnitKind.CLASS), other_admin)
    response = _decide(admin_client, institution, join_request, decision="reject", reason="нет")
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING


# --- the teacher verification queue --------------------------------------------------------------


@pytest.fixture
def newcomer(institution, klass, admin_user):
    """A teacher of 3А whose «учитель» status nobody has checked yet, with an address."""
    person = make_member(institution, Role.TEACHER, klass)
    roles_services.update_person(person=person, by=admin_user, email="newcomer@example.org")
    return person


def test_verifying_a_teacher_by_the_queue(
    institution, klass, admin_client, newcomer, django_capture_on_commit_callbacks
):
    queue = admin_client.get(page("verification", institution))
    assert queue.status_code == 200
    assert newcomer in queue.context["page"].object_list

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(page("verify", institution, newcomer.pk), {"approve": "1"})

    assert response.status_code == 302
    membership = Membership.objects.get(person=newcomer)
    assert membership.verification == Verification.VERIFIED
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    assert newcomer not in admin_client.get(page("verification", institution)).context["page"]

    # Now the teacher issues links for their class.
    client = login(newcomer.user)
    created = client.post(
        page("create", institution),
        {"unit": klass.pk, "role": Role.STUDENT, "link_kind": "single", "valid_days": 7},
    )
    assert created.status_code == 200
    assert Invitation.objects.get().created_by == newcomer.user
    assert token_in(created)


def test_rejecting_a_teacher_needs_a_reason_and_is_emailed(
    institution, klass, admin_client, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(page("verify", institution, newcomer.pk), {"approve": "0", "note": ""})
    assert Membership.objects.get(person=newcomer).verification == Verification.PENDING
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            page("verify", institution, newcomer.pk),
            {"approve": "0", "note": "Нет статуса в Сферуме"},
        )

    membership = Membership.objects.get(person=newcomer)
    assert membership.verification == Verification.REJECTED
    assert membership.verification_note == "Нет статуса в Сферуме"
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    assert "Нет статуса в Сферуме" in mail.outbox[0].body
    with pytest.raises(ValidationError):
        issue(klass, Role.STUDENT, newcomer.user)
