"""The events (with their attendance) and the log of support requests as files and printed
pages (`roles.exporting`), with the filters of their lists.

An event export holds what the user's list holds: the events meant for them. The names of the
teachers who marked a seminar are in it only for those who manage the event (as on its page).
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles.exporting import ListExportView, describe_filters
from sferum_portal.exports import DATE, DATETIME, INTEGER, Column

from .. import permissions, selectors
from ..forms import EventFilterForm, SupportFilterForm
from ..models import EventKind
from .events import listed_events


def _user(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class EventExportView(ListExportView):
    action = "channel.view"
    export_name = "events"
    list_url = "channels:events"

    columns = [
        Column(gettext_lazy("starts"), DATETIME),
        Column(gettext_lazy("ends"), DATETIME),
        Column(gettext_lazy("title")),
        Column(gettext_lazy("kind")),
        Column(gettext_lazy("format")),
        Column(gettext_lazy("place")),
        Column(gettext_lazy("host")),
        Column(gettext_lazy("audience")),
        Column(gettext_lazy("status")),
        Column(gettext_lazy("took part"), INTEGER),
        Column(gettext_lazy("teachers who marked their attendance"), INTEGER),
        Column(gettext_lazy("who marked their attendance")),
    ]

    def table(self):
        form = EventFilterForm(self.request.GET or None)
        events, _period = listed_events(self.request.user, self.institution, form)
        prefetch_related_objects(events, "attendances__person")
        return self.new_table(
            _("Broadcasts, meetings, lessons and seminars"),
            self.columns,
            self.rows(events),
            filters=describe_filters(form),
        )

    def rows(self, events):
        everyone = _("the whole institution")
        for e in events:
            marks = list(e.attendances.all()) if e.kind == EventKind.SEMINAR else []
            names = (
                ", ".join(sorted(a.person.full_name for a in marks))
                if marks and permissions.can_manage_event(self.request.user, e)
                else ""
            )
            audience = ", ".join(str(u) for u in e.audience_units.all()) or everyone
            if e.audience_roles:
                audience += f" ({', '.join(str(r) for r in e.audience_role_labels)})"
            yield [
                e.starts_at,
                e.ends_at,
                e.title,
                e.get_kind_display(),
                e.get_format_display(),
                e.place,
                e.host.full_name if e.host else "",
                audience,
                e.get_status_display(),
                e.attendance_count,
                len(marks) if e.kind == EventKind.SEMINAR else None,
                names,
            ]


class SupportExportView(ListExportView):
    action = "support.manage"
    export_name = "support"
    list_url = "channels:support"

    columns = [
        Column(gettext_lazy("created"), DATETIME),
        Column(gettext_lazy("subject")),
        Column(gettext_lazy("description")),
        Column(gettext_lazy("status")),
        Column(gettext_lazy("sent on"), DATE),
        Column(gettext_lazy("ticket number")),
        Column(gettext_lazy("resolution")),
        Column(gettext_lazy("resolved on"), DATE),
        Column(gettext_lazy("created by")),
    ]

    def table(self):
        form = SupportFilterForm(self.request.GET or None)
        status = form.cleaned_data["status"] if form.is_valid() else ""
        support = selectors.support_requests_of(self.institution, status=status)
        return self.new_table(
            _("Requests to Sferum support"),
            self.columns,
            self.rows(support),
            filters=describe_filters(form),
        )

    def rows(self, requests):
        for r in requests.iterator(chunk_size=500):
            yield [
                r.created_at,
                r.subject,
                r.description,
                r.get_status_display(),
                r.sent_on,
                r.ticket_number,
                r.resolution,
                r.resolved_on,
                _user(r.created_by),
            ]
