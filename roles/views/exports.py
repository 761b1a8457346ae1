"""The roles app's lists as files and printed pages: people, movements, the to-do list and the
audit log, each with the filters of its page and every row (`roles.exporting`).

Each export view names the action of its list page, so only those who see the list export it;
the exports are written to the audit log (personal data).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sferum_portal.exports import BOOLEAN, DATE, DATETIME, TEXT, Column

from .. import selectors
from ..exporting import ListExportView, describe_filters
from ..filters import AuditFilter, MovementFilter, PersonFilter

CHUNK = 500


def _user(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class PeopleExportView(ListExportView):
    action = "people.view"
    export_name = "people"
    list_url = "roles:people"

    columns = [
        Column(gettext_lazy("last name")),
        Column(gettext_lazy("first name")),
        Column(gettext_lazy("patronymic")),
        Column(gettext_lazy("kind")),
        Column(gettext_lazy("units and roles")),
        Column(gettext_lazy("administrator"), BOOLEAN),
        Column(gettext_lazy("joined Sferum"), BOOLEAN),
        Column(gettext_lazy("login")),
        Column(gettext_lazy("left the institution"), DATE),
        Column(gettext_lazy("external id")),
    ]

    def table(self):
        person_filter = PersonFilter(
            self.request.GET,
            queryset=selectors.people_of(self.institution),
            institution=self.institution,
        )
        return self.new_table(
            _("People"),
            self.columns,
            self.rows(person_filter.qs),
            filters=describe_filters(person_filter.form),
        )

    def rows(self, people):
        for p in people.iterator(chunk_size=CHUNK):
            memberships = p.current_memberships
            yield [
                p.last_name,
                p.first_name,
                p.patronymic,
                p.get_kind_display(),
                "; ".join(f"{m.unit} ({m.get_role_display()})" for m in memberships),
                p.is_admin,
                any(m.joined_at is not None for m in memberships),
                p.user.get_username() if p.user else "",
                p.left_on,
                p.external_id,
            ]


class MovementExportView(ListExportView):
    action = "people.view"
    export_name = "movements"
    list_url = "roles:movements"

    columns = [
        Column(gettext_lazy("date"), DATE),
        Column(gettext_lazy("person")),
        Column(gettext_lazy("movement")),
        Column(gettext_lazy("role")),
        Column(gettext_lazy("from unit")),
        Column(gettext_lazy("to unit")),
        Column(gettext_lazy("order number")),
        Column(gettext_lazy("note")),
        Column(gettext_lazy("recorded by")),
        Column(gettext_lazy("recorded"), DATETIME),
    ]

    def table(self):
        movement_filter = MovementFilter(
            self.request.GET, queryset=selectors.movements_of(self.institution)
        )
        return self.new_table(
            _("Movement journal"),
            self.columns,
            self.rows(movement_filter.qs),
            filters=describe_filters(movement_filter.form),
        )

    def rows(self, movements):
        for mv in movements.iterator(chunk_size=CHUNK):
            yield [
                mv.effective_date,
                mv.person.full_name,
                mv.get_kind_display(),
                mv.get_role_display() if mv.role else "",
                str(mv.from_unit) if mv.from_unit else "",
                str(mv.to_unit) if mv.to_unit else "",
                mv.order_number,
                mv.note,
                _user(mv.recorded_by),
                mv.recorded_at,
            ]


class TodoExportView(ListExportView):
    action = "todo.manage"
    export_name = "todo"
    list_url = "roles:todos"

    columns = [
        Column(gettext_lazy("what to do")),
        Column(gettext_lazy("kind")),
        Column(gettext_lazy("person")),
        Column(gettext_lazy("unit")),
        Column(gettext_lazy("since"), DATETIME),
        Column(gettext_lazy("done"), DATETIME),
        Column(gettext_lazy("done by")),
    ]

    def table(self):
        show_done = self.request.GET.get("show") == "done"
        todos = selectors.todos_of(self.institution, done=show_done)
        shown = _("done") if show_done else _("open")
        return self.new_table(
            _("To do in Sferum by hand"),
            self.columns,
            self.rows(todos),
            filters=[_("Status: %(status)s") % {"status": shown}],
        )

    def rows(self, todos):
        for todo in todos.iterator(chunk_size=CHUNK):
            yield [
                todo.title,
                todo.get_kind_display(),
                todo.person.full_name if todo.person else "",
                str(todo.unit) if todo.unit else "",
                todo.created_at,
                todo.done_at,
                _user(todo.done_by),
            ]


class AuditExportView(ListExportView):
    action = "audit.view"
    export_name = "audit"
    list_url = "roles:audit"

    columns = [
        Column(gettext_lazy("when"), DATETIME),
        Column(gettext_lazy("who")),
        Column(gettext_lazy("action")),
        Column(gettext_lazy("what"), TEXT),
        Column(gettext_lazy("action code")),
        Column(gettext_lazy("object type")),
        Column(gettext_lazy("object id")),
    ]

    def table(self):
        audit_filter = AuditFilter(self.request.GET, queryset=selectors.audit_of(self.institution))
        return self.new_table(
            _("Audit log"),
            self.columns,
            self.rows(audit_filter.qs),
            filters=describe_filters(audit_filter.form),
        )

    def rows(self, events):
        for event in events.iterator(chunk_size=CHUNK):
            yield [
                event.created_at,
                _user(event.actor),
                event.action_label,
                event.shown_summary,
                event.action,
                event.object_type,
                event.object_id,
            ]
