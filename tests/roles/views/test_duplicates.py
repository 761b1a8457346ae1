"""The duplicates page and the merge through it: the admin's, with a confirmation page that shows
both people side by side."""

import pytest

from roles.models import AuditEvent, Membership, Person, PersonKind, Role

from ...conftest import login
from ...factories import START, UserFactory, make_member, make_person
from .helpers import url


@pytest.fixture(autouse=True)
def distinct_names(institution, admin_user):
    """The factories name everybody «Петров Иван»: the admin and the director who appointed
    them get names of their own, so that only the test's own people are namesakes."""
    for n, person in enumerate(Person.objects.filter(institution=institution)):
        Person.objects.filter(pk=person.pk).update(first_name=f"Сотрудник{n}")


def twins(institution, unit=None):
    """One student entered twice (a hand entry and a join request, say)."""
    from roles import services

    first = make_person(institution, last_name="Семёнова", first_name="Алёна", external_id="")
    second = make_person(institution, last_name="семенова", first_name="Алена", external_id="")
    if unit is not None:
        for person in (first, second):
            services.enrol(person=person, unit=unit, role=Role.STUDENT, effective_date=START)
    return first, second


def test_the_duplicates_page_lists_a_pair(institution, klass, admin_client):
    first, second = twins(institution, klass)
    make_person(institution, kind=PersonKind.PARENT, last_name="Семёнова", first_name="Алёна")

    response = admin_client.get(url("duplicates", institution))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(pair.first, pair.second, pair.same_unit) for pair, _both in rows] == [
        (first.pk, second.pk, True)
    ]
    html = response.content.decode()
    assert url("merge", institution, first.pk, second.pk) in html
    assert "3А" in html  # the unit both are in


def test_the_duplicates_page_has_an_empty_state_and_pages(institution, admin_client):
    empty = admin_client.get(url("duplicates", institution))
    assert empty.status_code == 200
    assert empty.context["rows"] == []
    assert 'class="empty-state"' in empty.content.decode()

    for n in range(30):
        make_person(institution, last_name=f"Двойник{n}", first_name="Иван", external_id="")
        make_person(institution, last_name=f"Двойник{n}", first_name="Иван", external_id="")
    first_page = admin_client.get(url("duplicates", institution))
    assert first_page.context["page"].paginator.count == 30
    assert len(first_page.context["rows"]) == 25
    second_page = admin_client.get(url("duplicates", institution), {"page": 2})
    assert len(second_page.context["rows"]) == 5


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.STUDENT])
def test_the_duplicates_and_merge_pages_are_the_admins(institution, klass, role):
    first, second = twins(institution, klass)
    user = make_member(institution, role, klass if role in (Role.TEACHER, Role.STUDENT) else None)
    client = login(user.user)

    assert client.get(url("duplicates", institution)).status_code == 403
    assert client.get(url("merge", institution, first.pk, second.pk)).status_code == 403
    assert client.post(url("merge", institution, first.pk, second.pk)).status_code == 403
    assert Person.objects.filter(pk=second.pk).exists()


def test_the_confirmation_shows_both_side_by_side_and_merging_happens_on_post(
    institution, klass, admin_client, admin_user
):
    first, second = twins(institution, klass)
    second.user = UserFactory(username="alena-phone")
    second.save()

    page = admin_client.get(url("merge", institution, first.pk, second.pk))
    assert page.status_code == 200
    assert (page.context["keep"], page.context["remove"]) == (first, second)
    assert page.context["refusal"] == ""
    html = page.content.decode()
    assert "Семёнова Алёна" in html and "семенова Алена" in html
    assert "alena-phone" in html
    assert url("merge", institution, second.pk, first.pk) in html  # keep the other instead
    assert Person.objects.filter(pk=second.pk).exists()  # a GET changes nothing

    response = admin_client.post(url("merge", institution, first.pk, second.pk))

    assert response.status_code == 302
    assert response["Location"] == url("person", institution, first.pk)
    assert not Person.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert first.user.username == "alena-phone"
    assert Membership.objects.filter(person=first, unit=klass).count() == 1
    assert AuditEvent.objects.filter(action="person.merge", actor=admin_user).count() == 1


def test_a_refused_merge_says_why_and_changes_nothing(institution, klass, admin_client):
    first, second = twins(institution, klass)
    for person in (first, second):
        person.user = UserFactory()
        person.save()

    page = admin_client.get(url("merge", institution, first.pk, second.pk))
    assert page.status_code == 200
    assert page.context["refusal"]
    assert "btn-danger" not in page.content.decode()  # no merge button

    response = admin_client.post(url("merge", institution, first.pk, second.pk), follow=True)
    assert response.status_code == 200
    assert Person.objects.filter(pk=second.pk).exists()
    assert not AuditEvent.objects.filter(action="person.merge").exists()


def test_a_person_of_another_institution_cannot_be_named(institution, admin_client):
    from ...factories import make_institution

    mine = make_person(institution)
    theirs = make_person(make_institution(), last_name=mine.last_name)
    assert admin_client.get(url("merge", institution, mine.pk, theirs.pk)).status_code == 404
    assert admin_client.post(url("merge", institution, mine.pk, theirs.pk)).status_code == 404
    assert Person.objects.filter(pk=theirs.pk).exists()
