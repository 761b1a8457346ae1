"""The to-do list services: completing and reopening a manual Sferum step."""

from roles import services
from roles.models import Role, TodoItem

from ...factories import make_member
from .helpers import TODAY


def test_completing_a_todo_keeps_who_and_when(institution, klass, admin_user):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(person=student, effective_date=TODAY)
    todo = TodoItem.objects.get()
    services.complete_todo(todo=todo, by=admin_user)
    todo.refresh_from_db()
    assert todo.done_by == admin_user and todo.done_at is not None
    first_done = todo.done_at
    services.complete_todo(todo=todo, by=admin_user)  # a second click changes nothing
    todo.refresh_from_db()
    assert todo.done_at == first_done
    services.reopen_todo(todo=todo, by=admin_user)
    todo.refresh_from_db()
    assert todo.done_at is None and todo.done_by is None
