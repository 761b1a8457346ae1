"""The to-do list pages: ticking a step off, and where the page sends the user back."""

from roles import services
from roles.models import Role, TodoItem

from ...factories import make_member
from .helpers import url


def test_ticking_off_a_todo_from_the_dashboard(institution, admin_client, admin_user, klass):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(person=student, effective_date=institution.local_today())
    todo = TodoItem.objects.get()
    home = admin_client.get("/")
    assert todo.title in home.content.decode()
    response = admin_client.post(url("todo_done", institution, todo.pk), {"next": "/"})
    assert response["Location"] == "/"
    todo.refresh_from_db()
    assert todo.done_by == admin_user
    done_page = admin_client.get(url("todos", institution), {"show": "done"})
    assert todo in list(done_page.context["page"])


def test_the_todo_redirect_stays_on_this_site(institution, admin_client, klass):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(person=student, effective_date=institution.local_today())
    todo = TodoItem.objects.get()
    response = admin_client.post(
        url("todo_done", institution, todo.pk), {"next": "https://evil.example/"}
    )
    assert response["Location"] == url("todos", institution)
