"""The invitation pages of the portal (views.links), through HTTP, as administrators and
teachers use them: access, creating, the list, revoking, resending, personal links."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from invitations import services
from invitations.models import Invitation, RevokeReason, Status
from roles.models import Role, UnitKind
from sferum_portal.tokens import hash_short_code, normalize_short_code

from ...conftest import login
from ...factories import UserFactory, make_institution, make_member, make_unit
from ..helpers import (
    CODE_RE,
    LINK_RE,
    issue,
    landing,
    make_expired,
    page,
    roster_member,
    text_of,
    token_in,
)


def listed(response) -> set[int]:
    return {i.pk for i in response.context["page"].object_list}


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["list", "create", "bulk", "requests", "verification", "policy", "detail"]
)
def test_anonymous_users_are_sent_to_the_login_page(institution, klass, admin_user, name, client):
    invitation, _token = issue(klass, Role.TEACHER, admin_user)
    args = [invitation.pk] if name == "detail" else []
    response = client.get(page(name, institution, *args))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_invitations_home_sends_anonymous_users_to_log_in_and_staff_to_their_list(
    institution, admin_client, client
):
    response = client.get("/invitations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = admin_client.get("/invitations/")
    assert response.status_code == 302
    assert response["Location"] == page("list", institution)


def test_another_institutions_links_are_not_found(institution, klass, admin_client):
    other = make_institution()
    other_admin = make_member(other, Role.ADMIN).user
    foreign, _token = issue(make_unit(other, UnitKind.CLASS), Role.TEACHER, other_admin)

    for name in ("detail", "revoke"):
        assert admin_client.get(page(name, institution, foreign.pk)).status_code == 404
    assert admin_client.post(page("revoke", institution, foreign.pk)).status_code == 404
    assert admin_client.post(page("resend", institution, foreign.pk)).status_code == 404
    assert admin_client.get(page("list", other)).status_code == 404
    assert admin_client.get(page("detail", other, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.ACTIVE


def test_a_teacher_sees_only_the_links_they_created(institution, klass, admin_user, teacher):
    own, _token = issue(klass, Role.STUDENT, teacher.user)
    others, _token = issue(klass, Role.PARENT, admin_user)
    client = login(teacher.user)

    response = client.get(page("list", institution))

    assert response.status_code == 200
    assert listed(response) == {own.pk}
    assert response.context["counts"]["active"] == 1
    assert client.get(page("detail", institution, own.pk)).status_code == 200
    assert client.get(page("detail", institution, others.pk)).status_code == 403
    assert client.post(page("revoke", institution, others.pk)).status_code == 403
    others.refresh_from_db()
    assert others.status == Status.ACTIVE


# --- creating a link -----------------------------------------------------------------------------


def test_the_created_page_shows_the_raw_link_once(institution, klass, admin_client):
    response = admin_client.post(
        page("create", institution),
        {"unit": klass.pk, "role": Role.TEACHER, "link_kind": "single", "valid_days": 10},
    )

    assert response.status_code == 200
    invitation = Invitation.objects.get()
    token = token_in(response)
    assert invitation.token_hash == services.hash_token(token)
    assert "<svg" in text_of(response)  # the QR code
    assert (invitation.unit, invitation.role, invitation.max_uses) == (klass, Role.TEACHER, 1)
    days = (invitation.expires_at - invitation.created_at) / dt.timedelta(days=1)
    assert days == pytest.approx(10, abs=0.01)
    # Never again: neither the detail page nor the list shows it.
    assert token not in text_of(admin_client.get(page("detail", institution, invitation.pk)))
    assert token not in text_of(admin_client.get(page("list", institution)))
    assert Client().get(landing(token)).status_code == 200


def test_a_personal_link_from_the_form_is_single_use(institution, klass, admin_client):
    student = roster_member(klass, Role.STUDENT, last_name="Орлова", first_name="Вера")
    response = admin_client.post(
        page("create", institution),
        {
            "unit": klass.pk,
            "role": Role.STUDENT,
            "person": student.external_id,
            "link_kind": "several",
            "max_uses": 5,
            "valid_days": 7,
        },
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    assert (invitation.person, invitation.max_uses) == (student, 1)


def test_the_form_refuses_a_student_link_with_an_email(institution, klass, admin_client):
    response = admin_client.post(
        page("create", institution),
        {
            "unit": klass.pk,
            "role": Role.STUDENT,
            "email": "kid@example.org",
            "link_kind": "single",
            "valid_days": 7,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Invitation.objects.exists()


def test_the_form_refuses_a_link_of_more_than_ninety_days(institution, klass, admin_client):
    response = admin_client.post(
        page("create", institution),
        {"unit": klass.pk, "role": Role.TEACHER, "link_kind": "single", "valid_days": 91},
    )
    assert response.status_code == 200
    assert "valid_days" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_a_teacher_issues_links_only_for_their_own_class(institution, klass, teacher):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    client = login(teacher.user)

    for unit, role in [(other, Role.STUDENT), (klass, Role.TEACHER)]:
        response = client.post(
            page("create", institution),
            {"unit": unit.pk, "role": role, "link_kind": "single", "valid_days": 7},
        )
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Invitation.objects.exists()

    response = client.post(
        page("create", institution),
        {"unit": klass.pk, "role": Role.PARENT, "link_kind": "unlimited", "valid_days": 7},
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    assert (invitation.unit, invitation.role, invitation.max_uses) == (klass, Role.PARENT, None)
    assert invitation.created_by == teacher.user


def test_an_unverified_teacher_has_no_class_to_invite_into(institution, klass):
    person = make_member(institution, Role.TEACHER, klass)
    client = login(person.user)
    response = client.post(
        page("create", institution),
        {"unit": klass.pk, "role": Role.STUDENT, "link_kind": "single", "valid_days": 7},
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_the_policy_page_sets_the_institutions_defaults(
    institution, klass, admin_client, admin_user
):
    response = admin_client.post(
        page("policy", institution), {"default_ttl_days": 21, "unclaimed_after_days": 30}
    )
    assert response.status_code == 302
    policy = services.policy_for(institution)
    assert (policy.default_ttl_days, policy.unclaimed_after_days) == (21, 30)
    invitation, _token = issue(klass, Role.TEACHER, admin_user)
    days = (invitation.expires_at - invitation.created_at) / dt.timedelta(days=1)
    assert days == pytest.approx(21, abs=0.01)


def test_a_change_of_the_invitation_settings_is_audited(institution, admin_client, admin_user):
    from roles.models import AuditEvent

    admin_client.post(
        page("policy", institution), {"default_ttl_days": 21, "unclaimed_after_days": 30}
    )
    admin_client.post(
        page("policy", institution), {"default_ttl_days": 21, "unclaimed_after_days": 30}
    )  # the same values again: nothing changed, nothing more to audit
    event = AuditEvent.objects.get(action="invitation.policy")
    assert event.actor == admin_user and event.institution == institution
    assert event.data["after"] == {"default_ttl_days": 21, "unclaimed_after_days": 30}


def test_only_managers_change_the_invitation_settings(institution, klass):
    from roles.errors import NotAllowed
    from roles.models import Role as R

    from ...factories import make_member

    teacher = make_member(institution, R.TEACHER).user
    with pytest.raises(NotAllowed):
        services.update_policy(institution=institution, by=teacher, default_ttl_days=3)


# --- list and detail -----------------------------------------------------------------------------


@pytest.fixture
def assorted(institution, klass, department, admin_user):
    """One link in each state, in two units and three roles."""
    orlova = roster_member(klass, Role.STUDENT, last_name="Орлова", first_name="Вера")
    active, _t = issue(klass, Role.TEACHER, admin_user, note="для нового педагога")
    used, used_token = issue(klass, Role.STUDENT, admin_user, person=orlova)
    services.join_by_personal_link(token=used_token)
    expired, _t = issue(department, Role.TEACHER, admin_user)
    make_expired(expired)
    revoked, _t = issue(klass, Role.PARENT, admin_user, email="mother@example.org")
    services.revoke_invitation(invitation=revoked, by=admin_user)
    return {"active": active, "used_up": used, "expired": expired, "revoked": revoked}


def test_the_list_counts_and_filters_by_status(institution, admin_client, assorted):
    response = admin_client.get(page("list", institution))
    assert response.status_code == 200
    assert listed(response) == {i.pk for i in assorted.values()}
    assert response.context["counts"] == {"active": 1, "used_up": 1, "expired": 1, "revoked": 1}

    for status, invitation in assorted.items():
        response = admin_client.get(page("list", institution), {"status": status})
        assert listed(response) == {invitation.pk}, status


def test_the_list_filters_by_unit_and_role_and_searches(
    institution, klass, department, admin_client, assorted
):
    def ids(**params):
        return listed(admin_client.get(page("list", institution), params))

    assert ids(unit=department.pk) == {assorted["expired"].pk}
    assert ids(unit=klass.pk) == {assorted[s].pk for s in ("active", "used_up", "revoked")}
    assert ids(role=Role.STUDENT) == {assorted["used_up"].pk}
    assert ids(role=Role.TEACHER) == {assorted["active"].pk, assorted["expired"].pk}
    assert ids(unit=klass.pk, role=Role.TEACHER) == {assorted["active"].pk}
    assert ids(q="орлова") == {assorted["used_up"].pk}  # the person's name, any case
    assert ids(q="Орлова") == {assorted["used_up"].pk}
    assert ids(q="mother@") == {assorted["revoked"].pk}
    assert ids(q="нового педагога") == {assorted["active"].pk}
    assert ids(q="никого нет") == set()


def test_the_search_of_notes_ignores_the_case_of_cyrillic_letters(
    institution, klass, admin_client, admin_user
):
    invitation, _token = issue(klass, Role.PARENT, admin_user, note="Родительское собрание")
    response = admin_client.get(page("list", institution), {"q": "родительское"})
    assert listed(response) == {invitation.pk}


def test_the_detail_page_shows_the_uses(institution, klass, admin_client, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user, max_uses=2)
    user = UserFactory(first_name="Мария", last_name="Иванова")
    services.accept_invitation(token=token, user=user)

    response = admin_client.get(page("detail", institution, invitation.pk))

    assert response.status_code == 200
    uses = list(response.context["uses"])
    assert [(u.user, u.person.full_name) for u in uses] == [(user, "Иванова Мария")]
    assert "Иванова Мария" in text_of(response)
    assert "1 / 2" in text_of(response)


# --- revoking ------------------------------------------------------------------------------------


def test_revoking_one_link_asks_first(institution, klass, admin_client, admin_user):
    invitation, token = issue(klass, Role.TEACHER, admin_user)

    confirm = admin_client.get(page("revoke", institution, invitation.pk))
    assert confirm.status_code == 200
    assert '<form method="post"' in text_of(confirm)
    invitation.refresh_from_db()
    assert invitation.status == Status.ACTIVE

    response = admin_client.post(page("revoke", institution, invitation.pk))

    assert response.status_code == 302
    assert response["Location"] == page("detail", institution, invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == Status.REVOKED
    assert (invitation.revoked_by, invitation.revoke_reason) == (admin_user, RevokeReason.MANUAL)
    assert Client().get(landing(token)).status_code == 410


def test_revoking_every_unused_link_of_a_unit(
    institution, klass, department, admin_client, admin_user
):
    unused_1, token_1 = issue(klass, Role.TEACHER, admin_user)
    unused_2, token_2 = issue(klass, Role.PARENT, admin_user, max_uses=None)
    partly_used, partly_token = issue(klass, Role.TEACHER, admin_user, max_uses=3)
    services.accept_invitation(token=partly_token, user=UserFactory())
    used, used_token = issue(klass, Role.TEACHER, admin_user)
    services.accept_invitation(token=used_token, user=UserFactory())
    expired, _t = issue(klass, Role.TEACHER, admin_user)
    make_expired(expired)
    elsewhere, _t = issue(department, Role.TEACHER, admin_user)

    confirm = admin_client.get(page("revoke_unit", institution, klass.pk))
    assert confirm.status_code == 200
    assert re.search(r"\b2\b", confirm.context["text"])
    assert Invitation.objects.revoked().count() == 0

    response = admin_client.post(page("revoke_unit", institution, klass.pk))

    assert response.status_code == 302
    assert set(Invitation.objects.revoked().values_list("pk", flat=True)) == {
        unused_1.pk,
        unused_2.pk,
    }
    assert Invitation.objects.get(pk=partly_used.pk).status == Status.ACTIVE
    assert Invitation.objects.get(pk=used.pk).status == Status.USED_UP
    assert Invitation.objects.get(pk=expired.pk).status == Status.EXPIRED
    assert Invitation.objects.get(pk=elsewhere.pk).status == Status.ACTIVE
    assert Client().get(landing(token_1)).status_code == 410
    assert Client().get(landing(token_2)).status_code == 410


def test_a_teacher_may_not_revoke_a_whole_unit(institution, klass, admin_user, teacher):
    invitation, _token = issue(klass, Role.STUDENT, admin_user)
    client = login(teacher.user)
    assert client.post(page("revoke_unit", institution, klass.pk)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == Status.ACTIVE


# --- resending -----------------------------------------------------------------------------------


def test_resending_replaces_the_link_and_keeps_the_expiry(
    institution, staff_room, admin_client, admin_user, django_capture_on_commit_callbacks
):
    expires = timezone.now() + dt.timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, first_token = issue(
            staff_room, Role.TEACHER, admin_user, email="teacher@example.org", expires_at=expires
        )
    assert len(mail.outbox) == 1
    assert LINK_RE.findall(mail.outbox[0].body) == [first_token]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(page("resend", institution, invitation.pk))

    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["teacher@example.org"]
    (new_token,) = LINK_RE.findall(mail.outbox[1].body)
    assert new_token != first_token
    invitation.refresh_from_db()
    assert invitation.expires_at == expires
    assert invitation.token_hash == services.hash_token(new_token)
    assert Client().get(landing(first_token)).status_code == 404
    assert Client().get(landing(new_token)).status_code == 200


def test_resend_is_post_only(institution, staff_room, admin_client, admin_user):
    invitation, _token = issue(staff_room, Role.TEACHER, admin_user, email="t@example.org")
    assert admin_client.get(page("resend", institution, invitation.pk)).status_code == 405


@pytest.mark.parametrize("state", ["revoked", "expired", "no_email"])
def test_a_link_that_cannot_be_used_is_not_resent(
    institution, staff_room, admin_client, admin_user, state, django_capture_on_commit_callbacks
):
    invitation, token = issue(
        staff_room, Role.TEACHER, admin_user, email="" if state == "no_email" else "t@example.org"
    )
    if state == "revoked":
        services.revoke_invitation(invitation=invitation, by=admin_user)
    elif state == "expired":
        make_expired(invitation)
    invitation.refresh_from_db()
    before = invitation.token_hash

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(page("resend", institution, invitation.pk))

    assert response.status_code == 302
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.token_hash == before


# --- personal links for a whole class ------------------------------------------------------------


def test_the_bulk_sheet_has_one_personal_link_and_qr_code_per_person_not_joined(
    institution, klass, teacher
):
    waiting = [
        roster_member(klass, Role.STUDENT, last_name=name, first_name="Ученик")
        for name in ("Антонов", "Борисов", "Васильев")
    ]
    joined = make_member(institution, Role.STUDENT, klass, joined=True)
    roster_member(klass, Role.PARENT, last_name="Антонова", first_name="Мать")
    client = login(teacher.user)

    count = client.get(page("bulk", institution), {"unit": klass.pk})
    assert count.status_code == 200
    assert count.context["waiting"] == {"students": 3, "parents": 1}

    response = client.post(page("bulk", institution), {"unit": klass.pk, "role": Role.STUDENT})

    assert response.status_code == 200
    html = text_of(response)
    assert html.count("<svg") == 3
    # The full link is in the QR code only; under it, a short code to type by hand.
    assert not LINK_RE.findall(html)
    codes = set(CODE_RE.findall(html))
    assert len(codes) == 3
    invitations = Invitation.objects.filter(
        short_code_hash__in=[hash_short_code(normalize_short_code(c)) for c in codes]
    )
    assert {i.person for i in invitations} == set(waiting)
    assert all(i.max_uses == 1 and i.role == Role.STUDENT for i in invitations)
    assert all(i.created_by == teacher.user for i in invitations)
    assert not Invitation.objects.filter(person=joined).exists()
    for person in waiting:
        assert person.full_name in html


def test_a_second_sheet_replaces_the_first_links(institution, klass, admin_client):
    student = roster_member(klass, Role.STUDENT)
    first = admin_client.post(page("bulk", institution), {"unit": klass.pk, "role": Role.STUDENT})
    (old_code,) = set(CODE_RE.findall(text_of(first)))

    second = admin_client.post(page("bulk", institution), {"unit": klass.pk, "role": Role.STUDENT})
    (new_code,) = set(CODE_RE.findall(text_of(second)))

    assert new_code != old_code
    old = Invitation.objects.get(short_code_hash=hash_short_code(normalize_short_code(old_code)))
    assert (old.status, old.revoke_reason) == (Status.REVOKED, RevokeReason.REISSUED)
    assert Client().get(landing(old_code)).status_code == 410
    assert Client().get(landing(new_code)).status_code == 200
    assert Invitation.objects.active().get(person=student).short_code_hash == hash_short_code(
        normalize_short_code(new_code)
    )


def test_the_bulk_page_refuses_a_class_the_teacher_does_not_teach(institution, teacher):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    roster_member(other, Role.STUDENT)
    client = login(teacher.user)
    response = client.post(page("bulk", institution), {"unit": other.pk, "role": Role.STUDENT})
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not Invitation.objects.exists()
