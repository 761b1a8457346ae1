"""The main pages' queries are fixed (issue 17): each page at most a known number of SQL
queries, the same for a bigger and a smaller institution, and none while its templates render
(everything a page shows is loaded by its view). A regression fails `make test`.

The compliance board's own count is fixed with the board's tests.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.backends.django import Template
from django.utils import timezone

from channels_app.models import Audience, Channel, Post, PostState
from invitations import services as invitation_services
from roles import freshness, services
from roles.models import Membership, Person, PersonKind, Role, TodoItem, TodoKind, UnitKind

from .conftest import login
from .factories import START, make_institution, make_member, make_unit

# page -> the most queries of one request once the user's roles are cached. The first request
# of a session adds the two queries that read the roles and the session's write (its UPDATE in
# a savepoint: three statements).
MAX_QUERIES = {
    # Kept in the cache under the institution's stamp: the session, the user, the institution.
    "dashboard_admin": 3,
    "dashboard_director": 3,
    "dashboard_teacher": 3,
    "dashboard_parent": 3,
    "people": 7,
    "invitations": 8,  # the creators' roster names, prefetched
    "my_chats": 5,
    "stats": 7,  # the classes created today (issue 13)
    "channel_feed": 6,
    "person": 8,  # guardians or children as the kind has them (issue 13)
    "person_staff": 9,  # appointments; the departments to join, one suggested
    "todos": 5,
    "invite_landing": 2,
}
FIRST_REQUEST_EXTRA = 5
# A dashboard read afresh (after a change of what it shows).
MAX_QUERIES_AFRESH = {
    "dashboard_admin": 8,
    "dashboard_director": 7,
    "dashboard_teacher": 8,  # whether a verified teacher: one query (issue 13)
    "dashboard_parent": 7,
}


def build_school(classes: int, per_class: int) -> dict:
    """An institution of `classes` classes of `per_class` students with a parent each, the
    four roles with logins, to-do items, posts and a class-wide link."""
    institution = make_institution()
    admin = make_member(institution, Role.ADMIN)
    director = Person.objects.get(institution=institution, memberships__role=Role.DIRECTOR).user
    units = [
        make_unit(institution, UnitKind.CLASS, f"{n + 1}А", academic_year="2026/2027")
        for n in range(classes)
    ]
    teacher = make_member(institution, Role.TEACHER, units[0], verified=True)
    parent = make_member(institution, Role.PARENT, units[0])
    people = Person.objects.bulk_create(
        Person(institution=institution, kind=kind, last_name=f"Ученикова{n}", first_name="Анна")
        for n in range(classes * per_class)
        for kind in (PersonKind.STUDENT, PersonKind.PARENT)
    )
    Membership.objects.bulk_create(
        Membership(
            person=person,
            unit=units[(n // 2) % classes],
            role=Role.STUDENT if person.kind == PersonKind.STUDENT else Role.PARENT,
            start_date=START,
        )
        for n, person in enumerate(people)
    )
    TodoItem.objects.bulk_create(
        TodoItem(institution=institution, kind=TodoKind.OTHER, title=f"Дело {n}", person=people[n])
        for n in range(min(12, len(people)))
    )
    channel = Channel.objects.create(institution=institution, name="Новости")
    Post.objects.bulk_create(
        Post(
            institution=institution,
            channel=channel,
            title=f"Новость {n}",
            body="Текст.",
            author=admin.user,
            state=PostState.PUBLISHED if n % 3 else PostState.SUBMITTED,
            published_at=timezone.now() - dt.timedelta(hours=n),
        )
        for n in range(12)
    )
    Channel.objects.create(institution=institution, name="Родителям", audience=Audience.PARENTS)
    _invitation, token = invitation_services.create_invitation(
        unit=units[0], role=Role.STUDENT, created_by=admin.user, max_uses=None, needs_approval=False
    )
    for unit in units[1:3]:
        invitation_services.create_invitation(unit=unit, role=Role.PARENT, created_by=admin.user)
    services.staff_room(institution)
    i = institution.pk
    pages = {
        "dashboard_admin": (admin.user, "/"),
        "dashboard_director": (director, "/"),
        "dashboard_teacher": (teacher.user, "/"),
        "dashboard_parent": (parent.user, "/"),
        "people": (admin.user, f"/structure/{i}/people/"),
        "invitations": (admin.user, f"/invitations/{i}/"),
        "my_chats": (teacher.user, f"/chats/{i}/my/"),
        "stats": (admin.user, "/stats/"),
        "channel_feed": (parent.user, f"/channels/{i}/"),
        "person": (admin.user, f"/structure/{i}/people/{people[0].pk}/"),
        # With what only staff have: appointments, the departments to join (issue 13).
        "person_staff": (admin.user, f"/structure/{i}/people/{teacher.pk}/"),
        "todos": (admin.user, f"/structure/{i}/todo/"),
        "invite_landing": (None, f"/invite/{token}/"),
    }
    return {"institution": institution, "pages": pages}


class RenderQueries:
    """Counts the queries run while a response's template renders."""

    def __init__(self, monkeypatch):
        self.count = 0
        self.sql: list[str] = []
        original = Template.render

        def render(template, *args, **kwargs):
            def count(execute, sql, params, many, context):
                self.count += 1
                self.sql.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                return original(template, *args, **kwargs)

        monkeypatch.setattr(Template, "render", render)


def open_page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


@pytest.fixture
def schools(db):
    return {"bigger": build_school(classes=6, per_class=12), "smaller": build_school(1, 2)}


@pytest.mark.parametrize("page", sorted(MAX_QUERIES))
def test_a_main_page_runs_a_fixed_number_of_queries_whatever_the_size(
    page, schools, django_assert_max_num_queries, django_assert_num_queries
):
    counts = {}
    for size, school in schools.items():
        user, path = school["pages"][page]
        client = login(user) if user else _family_client()
        first = MAX_QUERIES_AFRESH.get(page, MAX_QUERIES[page]) + FIRST_REQUEST_EXTRA
        with django_assert_max_num_queries(first):
            open_page(client, path)  # the first: the user's roles read and cached
        with django_assert_max_num_queries(MAX_QUERIES[page]) as captured:
            open_page(client, path)
        counts[size] = len(captured)
    assert counts["bigger"] == counts["smaller"], counts


@pytest.mark.parametrize("page", sorted(MAX_QUERIES_AFRESH))
def test_a_dashboard_read_afresh_runs_a_fixed_number_of_queries_whatever_the_size(
    page, schools, django_assert_max_num_queries
):
    counts = {}
    for size, school in schools.items():
        user, path = school["pages"][page]
        client = login(user)
        open_page(client, path)
        freshness.touch([school["institution"].pk])
        with django_assert_max_num_queries(MAX_QUERIES_AFRESH[page]) as captured:
            open_page(client, path)
        counts[size] = len(captured)
    assert counts["bigger"] == counts["smaller"], counts


@pytest.mark.parametrize("page", sorted(MAX_QUERIES_AFRESH))
def test_no_template_of_a_dashboard_read_afresh_runs_a_query(page, schools, monkeypatch):
    user, path = schools["bigger"]["pages"][page]
    client = login(user)
    open_page(client, path)
    freshness.touch([schools["bigger"]["institution"].pk])
    rendering = RenderQueries(monkeypatch)
    open_page(client, path)
    assert rendering.count == 0, rendering.sql


@pytest.mark.parametrize("page", sorted(MAX_QUERIES))
def test_no_template_of_a_main_page_runs_a_query(page, schools, monkeypatch):
    user, path = schools["bigger"]["pages"][page]
    client = login(user) if user else _family_client()
    open_page(client, path)
    rendering = RenderQueries(monkeypatch)
    open_page(client, path)
    assert rendering.count == 0, rendering.sql


def _family_client():
    from django.test import Client

    return Client(REMOTE_ADDR="10.20.30.40")


def test_the_cached_roles_follow_a_change_of_roles(db):
    """A teacher appointed admin sees the admin's dashboard on the next request, and a member
    whose membership ends no longer reaches the institution: the per-user cache is forgotten
    by the services that change roles."""
    institution = make_institution()
    teacher = make_member(institution, Role.TEACHER, verified=True)
    client = login(teacher.user)
    assert open_page(client, "/").context["is_admin"] is False
    director = make_member(institution, Role.DIRECTOR).user
    services.appoint_admin(
        institution=institution,
        person=teacher,
        order_number="2-од",
        order_date=START,
        by=director,
        start_date=START,
    )
    page = open_page(client, "/")
    assert page.context["is_admin"] is True
    services.leave(person=teacher, effective_date=institution.local_today(), by=director)
    assert client.get(f"/structure/{institution.pk}/people/").status_code == 404
