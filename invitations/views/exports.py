"""The invitation links and the join requests as files and printed pages (`roles.exporting`).

Never a token, a link or a code: the database keeps only their hashes, and an export shows
what the list shows — whom a link is for, its uses, validity and status. A teacher exports the
links they issued, as their list shows them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles.exporting import ListExportView, describe_filters
from sferum_portal.exports import DATETIME, INTEGER, Column

from .. import selectors
from ..forms import InvitationFilterForm

CHUNK = 500


def _user(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class InvitationExportView(ListExportView):
    action = "invitation.view"
    export_name = "invitations"
    list_url = "invitations:list"

    columns = [
        Column(gettext_lazy("unit")),
        Column(gettext_lazy("role")),
        Column(gettext_lazy("for")),
        Column(gettext_lazy("times used"), INTEGER),
        Column(gettext_lazy("uses allowed"), INTEGER),
        Column(gettext_lazy("created"), DATETIME),
        Column(gettext_lazy("valid until"), DATETIME),
        Column(gettext_lazy("status")),
        Column(gettext_lazy("created by")),
        Column(gettext_lazy("revoked"), DATETIME),
        Column(gettext_lazy("note")),
    ]

    def table(self):
        qs = selectors.invitations_visible_to(self.request.user, self.institution)
        form = InvitationFilterForm(self.request.GET or None, institution=self.institution)
        if form.is_valid():
            qs = selectors.filter_invitations(qs, form.cleaned_data)
        return self.new_table(
            _("Invitation links"), self.columns, self.rows(qs), filters=describe_filters(form)
        )

    def rows(self, invitations):
        anyone = _("anyone with the link")
        for i in invitations.iterator(chunk_size=CHUNK):
            yield [
                str(i.unit),
                i.get_role_display(),
                i.person.full_name if i.person else i.email or anyone,
                i.uses_count,
                i.max_uses,
                i.created_at,
                i.expires_at,
                i.get_status_display(),
                _user(i.created_by),
                i.revoked_at,
                i.note,
            ]


class JoinRequestExportView(ListExportView):
    action = "joinrequest.decide"
    export_name = "join-requests"
    list_url = "invitations:requests"

    columns = [
        Column(gettext_lazy("received"), DATETIME),
        Column(gettext_lazy("last name")),
        Column(gettext_lazy("first name")),
        Column(gettext_lazy("patronymic")),
        Column(gettext_lazy("child's name")),
        Column(gettext_lazy("unit")),
        Column(gettext_lazy("role")),
        Column(gettext_lazy("status")),
        Column(gettext_lazy("roster person")),
        Column(gettext_lazy("decided by")),
        Column(gettext_lazy("decided"), DATETIME),
        Column(gettext_lazy("reason")),
    ]

    def table(self):
        requests = selectors.join_requests_of(self.institution)
        return self.new_table(_("Join requests"), self.columns, self.rows(requests))

    def rows(self, requests):
        for jr in requests.iterator(chunk_size=CHUNK):
            yield [
                jr.created_at,
                jr.last_name,
                jr.first_name,
                jr.patronymic,
                jr.child_name,
                str(jr.unit),
                jr.get_role_display(),
                jr.get_status_display(),
                jr.person.full_name if jr.person else "",
                _user(jr.decided_by),
                jr.decided_at,
                jr.reason,
            ]
