"""The chat registry as a file and a printed page (`roles.exporting`): never a chat's link (it
is the key to the chat), only what the registry page shows."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles.exporting import ListExportView, describe_filters
from sferum_portal.exports import DATETIME, INTEGER, Column

from .. import selectors
from ..forms import RegistryFilterForm
from .registry import board_of


class RegistryExportView(ListExportView):
    action = "chat.board"
    export_name = "chats"
    list_url = "chats:registry"

    columns = [
        Column(gettext_lazy("chat")),
        Column(gettext_lazy("kind")),
        Column(gettext_lazy("unit")),
        Column(gettext_lazy("owner")),
        Column(gettext_lazy("messenger")),
        Column(gettext_lazy("members (as reported)"), INTEGER),
        Column(gettext_lazy("members counted"), DATETIME),
        Column(gettext_lazy("registered"), DATETIME),
        Column(gettext_lazy("state")),
    ]

    def table(self):
        form = RegistryFilterForm(self.request.GET or None, institution=self.institution)
        chats = selectors.registry(self.institution, form.cleaned_data if form.is_valid() else None)
        return self.new_table(
            _("Chat registry"), self.columns, self.rows(chats), filters=describe_filters(form)
        )

    def rows(self, chats):
        for chat in chats.iterator(chunk_size=500):
            if chat.archived_at is not None:
                state = _("archived")
            elif chat.owner_id is None:
                state = _("needs a new owner")
            else:
                state = _("in use")
            yield [
                chat.title,
                chat.get_kind_display(),
                str(chat.unit) if chat.unit_id else "",
                chat.owner.full_name if chat.owner_id else "",
                chat.get_platform_display(),
                chat.member_count,
                chat.member_count_at,
                chat.created_at,
                state,
            ]


class BoardExportView(ListExportView):
    """The compliance board as a workbook and a page to print: the rows of the board with its
    filters (every row, not one page), the figures of the whole institution above them."""

    action = "chat.board"
    export_name = "chats-compliance"
    list_url = "chats:board"

    columns = [
        Column(gettext_lazy("unit")),
        Column(gettext_lazy("required chat")),
        Column(gettext_lazy("responsible")),
        Column(gettext_lazy("state")),
        Column(gettext_lazy("chats")),
    ]

    def table(self):
        board, form = board_of(self)
        totals = board.totals_loaded()
        figures = [
            _("required chats present: %(met)s of %(total)s (%(percent)s%%)")
            % {"met": totals.met, "total": totals.total, "percent": totals.percent},
            _("classes with their required chats: %(n)s of %(total)s")
            % {"n": totals.classes_with_chats, "total": totals.classes_total},
        ]
        return self.new_table(
            _("Required chats"),
            self.columns,
            self.rows(board),
            filters=[*describe_filters(form), *figures],
        )

    def rows(self, board):
        for row in board:
            yield [
                str(row.unit or self.institution),
                row.kind_label,
                ", ".join(p.short_name for p in row.responsible),
                row.status_label,
                "; ".join(f"{c.title} ({c.get_platform_display()})" for c in row.chats),
            ]
