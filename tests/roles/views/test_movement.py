"""The movement pages: a person added, enrolled, transferred and leaving; a refused movement."""

from roles import services
from roles.models import Membership, Movement, MovementKind, Person, Role, TodoItem, UnitKind

from ...factories import make_member, make_unit
from .helpers import url


def test_add_a_person_then_enrol_transfer_and_leave(institution, admin_client, klass):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    response = admin_client.post(
        url("person_create", institution),
        {"last_name": "Соколова", "first_name": "Мария", "kind": "student", "external_id": "S-1"},
    )
    person = Person.objects.get(external_id="S-1")
    assert response["Location"] == url("enrol", institution, person.pk)
    today = institution.local_today().isoformat()
    admin_client.post(
        url("enrol", institution, person.pk),
        {"unit": klass.pk, "role": "student", "effective_date": today, "order_number": "1-у"},
    )
    membership = Membership.objects.get(person=person, unit=klass)
    services.mark_joined(memberships=[membership])
    admin_client.post(
        url("transfer", institution, person.pk),
        {"membership": membership.pk, "to_unit": other.pk, "effective_date": today},
    )
    admin_client.post(url("leave", institution, person.pk), {"effective_date": today})
    kinds = list(
        Movement.objects.filter(person=person).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [MovementKind.ENROL, MovementKind.TRANSFER, MovementKind.LEAVE]
    person.refresh_from_db()
    assert person.left_on is not None
    # Re-invite after the transfer, remove after leaving.
    assert sorted(TodoItem.objects.filter(person=person).values_list("kind", flat=True)) == [
        "reinvite",
        "remove",
    ]


def test_a_bad_movement_is_refused_with_a_message(institution, admin_client, klass):
    person = make_member(institution, Role.STUDENT, klass)
    response = admin_client.post(
        url("enrol", institution, person.pk),
        {"unit": klass.pk, "role": "student", "effective_date": "2026-11-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Membership.objects.filter(person=person).count() == 1
