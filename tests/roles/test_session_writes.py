"""Pages of the current institution read the session; they write it only when it changes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..conftest import login
from ..factories import make_institution, make_member


def session_writes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in captured.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    )


def test_the_dashboard_and_the_statistics_do_not_rewrite_the_session(institution, admin_user):
    client = login(admin_user)
    client.get("/")  # the first visit remembers the institution

    assert session_writes(client, "/") == 0
    assert session_writes(client, "/stats/") == 0
    assert session_writes(client, f"/chats/{institution.pk}/board/") == 0


def test_choosing_another_institution_is_remembered(institution, admin_user):
    other = make_institution("Вторая школа")
    person = make_member(other, "director")
    client = login(person.user)
    client.get("/")

    assert client.session["institution_id"] == other.pk
