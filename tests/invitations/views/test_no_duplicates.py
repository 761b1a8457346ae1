"""The join request queue, through HTTP: a request whose name matches a roster person of the
class has that person pre-selected, and approving it as a new person is an explicit choice."""

from invitations.models import JoinRequestStatus
from roles.models import Person, Role

from ..helpers import page, pending_request, roster_member, text_of


def decide(client, institution, join_request, **fields):
    data = {f"jr{join_request.pk}-{key}": value for key, value in fields.items()}
    return client.post(page("decide_request", institution, join_request.pk), data, follow=True)


def the_form(client, institution):
    response = client.get(page("requests", institution))
    return response, response.context["forms"][0][1]


def test_the_matching_roster_person_is_pre_selected(institution, klass, admin_client, admin_user):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    other = roster_member(klass, Role.STUDENT, last_name="Орлов", first_name="Олег")
    pending_request(klass, admin_user, last_name="ЛЕБЕДЕВ", first_name="павел")

    response, form = the_form(admin_client, institution)

    assert form["person"].value() == student.pk
    choices = [choice for choice, _label in form.fields["person"].choices if choice]
    assert [c.value for c in choices][:2] == [student.pk, other.pk]  # the namesake first
    assert "confirm_new" in form.fields
    assert f'value="{student.pk}" selected' in text_of(response)


def test_no_confirmation_is_asked_without_a_namesake(institution, klass, admin_client, admin_user):
    roster_member(klass, Role.STUDENT, last_name="Орлов", first_name="Олег")
    pending_request(klass, admin_user)
    _response, form = the_form(admin_client, institution)
    assert form["person"].value() is None
    assert "confirm_new" not in form.fields


def test_new_is_refused_without_the_explicit_choice(institution, klass, admin_client, admin_user):
    roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    join_request = pending_request(klass, admin_user)

    response = decide(admin_client, institution, join_request, decision="approve", person="")

    assert response.status_code == 200
    assert response.context["messages"]  # why, on the queue page
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Person.objects.filter(last_name="Лебедев").count() == 1
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING

    decide(admin_client, institution, join_request, decision="approve", person="", confirm_new="on")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.APPROVED
    assert Person.objects.filter(last_name="Лебедев").count() == 2


def test_approving_the_pre_selected_person_creates_no_second_one(
    institution, klass, admin_client, admin_user
):
    student = roster_member(klass, Role.STUDENT, last_name="Лебедев", first_name="Павел")
    join_request = pending_request(klass, admin_user)
    _response, form = the_form(admin_client, institution)

    decide(
        admin_client,
        institution,
        join_request,
        decision="approve",
        person=form["person"].value(),
    )

    assert list(Person.objects.filter(last_name="Лебедев")) == [student]
    student.refresh_from_db()
    assert student.user == join_request.user
