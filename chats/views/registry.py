"""Thin views of the chat pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from roles import permissions as role_permissions
from roles import services as roles_services
from roles.web import InstitutionView, drawn, paginate, show_as_message, show_on_form
from sferum_portal.exports import SafeCsvWriter

from .. import permissions, selectors, services
from ..forms import BoardFilterForm, ChatForm, RegistryFilterForm
from ..models import Chat, ChatKind


class MyChatsView(InstitutionView):
    action = "chat.mine"

    def get(self, request, institution_id):
        return self.render(
            "chats/my.html", chats=selectors.my_chats(request.user, self.institution)
        )


class MyClassesView(InstitutionView):
    """A teacher's classes and departments with the chats the regulation expects of them."""

    action = "chat.register"

    def get(self, request, institution_id):
        person = role_permissions.person_of(request.user, self.institution)
        board = selectors.compliance(self.institution)
        rows = [
            row
            for row in board.rows
            if person is not None and any(p.pk == person.pk for p in row.responsible)
        ]
        owned = (
            list(
                selectors.chats_of(self.institution)
                .filter(owner=person, archived_at__isnull=True)
                .order_by("kind", "title")
            )
            if person
            else []
        )
        # Who is really in each chat, where a chat was reconciled (one query).
        selectors.attach_reconciliations([c for row in rows for c in row.chats] + owned)
        return self.render("chats/classes.html", rows=rows, owned=owned, person=person)


def board_of(view: InstitutionView):
    """The board with the filters of the request: the page and its exports show the same rows."""
    form = BoardFilterForm(view.request.GET or None, institution=view.institution)
    return selectors.board(view.institution, form.cleaned_data if form.is_valid() else None), form


class BoardView(InstitutionView):
    """The compliance board: every required chat with a tick or a gap, every class with its
    state; computed and paged in the database."""

    action = "chat.board"

    def rows(self):
        board, form = board_of(self)
        return board.totals_loaded(), form, board

    def get(self, request, institution_id):
        board, form = board_of(self)
        # The rows of the page are read only if their drawing is not kept (see below).
        page = Paginator(board, 50).get_page(request.GET.get("page"))
        # Kept under the board's own key (the institution's stamp, the filters), per language.
        key = f"{board.cache_key}:{get_language()}"
        institution = self.institution
        parts = drawn(
            request,
            {
                "totals_html": (
                    f"{key}:totals",
                    "chats/_board_totals.html",
                    lambda: {"board": board.totals_loaded(), "institution": institution},
                ),
                "rows_html": (
                    f"{key}:rows:{page.number}",
                    "chats/_board_rows.html",
                    lambda: {"rows": list(page.object_list), "institution": institution},
                ),
                # The ones with gaps first; the board does not grow with the staff.
                "teachers_html": (
                    f"{key}:teachers",
                    "chats/_board_teachers.html",
                    lambda: {"teachers": board.teachers(30)},
                ),
            },
        )
        return self.render(
            "chats/board.html",
            form=form,
            page=page,
            can_remind=role_permissions.can(request.user, "chat.manage", institution),
            **parts,
        )


class BoardCsvView(BoardView):
    """The old CSV of the board (`board_csv`), kept as it was; the board's XLSX, CSV and
    printed page are `BoardExportView`."""

    def get(self, request, institution_id):
        _totals, _form, rows = self.rows()
        roles_services.audit(
            institution=self.institution,
            actor=request.user,
            action="chat.export",
            summary=_("Chat compliance exported (CSV)"),
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="chats-compliance.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark
        writer = SafeCsvWriter(response)
        writer.writerow([_("Unit"), _("Required chat"), _("Responsible"), _("Status"), _("Chats")])
        for row in rows:
            writer.writerow(
                [
                    str(row.unit or self.institution),
                    row.kind_label,
                    ", ".join(p.short_name for p in row.responsible),
                    row.status_label,
                    "; ".join(f"{c.title} ({c.get_platform_display()})" for c in row.chats),
                ]
            )
        return response


class RemindView(InstitutionView):
    action = "chat.manage"

    def post(self, request, institution_id):
        due = services.missing_chat_reminders_due(institution=self.institution)
        days = settings.CHAT_REMINDER_INTERVAL_DAYS
        if not due["due"]:
            # A second press (or nothing missing): say that nothing was sent, and why.
            if not due["missing"]:
                text = _("Nothing was sent: no teacher has missing chats.")
            else:
                text = _(
                    "Nothing was sent: the teachers with missing chats were already reminded "
                    "within %(days)s days (%(recent)s) or have no e-mail (%(no_address)s)."
                ) % {"days": days, "recent": due["recent"], "no_address": due["no_address"]}
            # Recorded like any press (the audit log shows that nobody was reminded).
            services.send_missing_chat_reminders(institution=self.institution, by=request.user)
            messages.info(request, text)
            return redirect("chats:board", institution_id=self.institution.pk)
        services.request_missing_chat_reminders(institution=self.institution, by=request.user)
        messages.success(
            request,
            ngettext(
                "A reminder is being sent to %(count)s teacher with missing chats "
                "(at most one per %(days)s days each).",
                "Reminders are being sent to %(count)s teachers with missing chats "
                "(at most one per %(days)s days each).",
                due["due"],
            )
            % {"count": due["due"], "days": days},
        )
        return redirect("chats:board", institution_id=self.institution.pk)


class RegistryView(InstitutionView):
    action = "chat.board"

    def get(self, request, institution_id):
        form = RegistryFilterForm(request.GET or None, institution=self.institution)
        qs = selectors.registry(self.institution, form.cleaned_data if form.is_valid() else None)
        return self.render("chats/registry.html", form=form, page=paginate(request, qs))


class ChatCreateView(InstitutionView):
    action = "chat.register"

    def _form(self, data=None):
        return ChatForm(
            data,
            institution=self.institution,
            can_set_owner=role_permissions.can(self.request.user, "chat.manage", self.institution),
            initial={
                "kind": self.request.GET.get("kind", ChatKind.CLASS_STUDENTS),
                "unit": self.request.GET.get("unit"),
                "platform": "max",
            },
        )

    def get(self, request, institution_id):
        return self._page(self._form())

    def post(self, request, institution_id):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                chat = services.register_chat(
                    institution=self.institution,
                    kind=data["kind"],
                    unit=data["unit"],
                    title=data["title"],
                    platform=data["platform"],
                    link=data["link"],
                    member_count=data["member_count"],
                    owner=data.get("owner"),
                    by=request.user,
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(
                    request, _("The chat «%(title)s» is registered.") % {"title": chat}
                )
                return redirect("chats:classes", institution_id=self.institution.pk)
        return self._page(form)

    def _page(self, form):
        return self.form_page(
            form,
            title=_("Register a chat"),
            intro=_(
                "Create the chat in the messenger first, then paste its invitation link here. "
                "The link is shown only to the chat's members."
            ),
            cancel_url=reverse("chats:classes", args=[self.institution.pk]),
            submit=_("Register"),
        )


class ChatObjectView(InstitutionView):
    action = "chat.register"

    def get_chat(self, pk) -> Chat:
        chat = get_object_or_404(
            Chat.objects.select_related("owner", "unit"), pk=pk, institution=self.institution
        )
        if not permissions.can_change(self.request.user, chat):
            raise PermissionDenied
        return chat


class ChatEditView(ChatObjectView):
    def _form(self, chat, data=None):
        # The link is shown only to whom may see it; others may replace it, not read it.
        may_see = permissions.can_see_link(self.request.user, chat)
        return ChatForm(
            data,
            institution=self.institution,
            can_set_owner=permissions.can_change_owner(self.request.user, chat),
            editing=True,
            link_hidden=not may_see,
            initial={
                "unit": chat.unit,
                "title": chat.title,
                "platform": chat.platform,
                "link": chat.link if may_see else "",
                "member_count": chat.member_count,
                "owner": chat.owner,
            },
        )

    def get(self, request, institution_id, pk):
        chat = self.get_chat(pk)
        return self._page(chat, self._form(chat))

    def post(self, request, institution_id, pk):
        chat = self.get_chat(pk)
        form = self._form(chat, request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            if not fields.get("link", True):
                del fields["link"]  # left empty: the link stays as it is
            try:
                services.update_chat(chat=chat, by=request.user, **fields)
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("chats:classes", institution_id=self.institution.pk)
        return self._page(chat, form)

    def _page(self, chat, form):
        return self.form_page(
            form,
            title=_("Chat «%(title)s»") % {"title": chat},
            cancel_url=reverse("chats:classes", args=[self.institution.pk]),
        )


class ChatArchiveView(ChatObjectView):
    def get(self, request, institution_id, pk):
        chat = self.get_chat(pk)
        return self.render(
            "confirm.html",
            title=_("Archive the chat «%(title)s»?") % {"title": chat},
            text=_(
                "The chat disappears from «My chats»; if the regulation requires such a chat, "
                "the gap opens again."
            ),
            confirm=_("Archive"),
            cancel_url=reverse("chats:classes", args=[self.institution.pk]),
        )

    def post(self, request, institution_id, pk):
        chat = self.get_chat(pk)
        try:
            services.archive_chat(chat=chat, by=request.user)
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, _("The chat is archived."))
        return redirect("chats:classes", institution_id=self.institution.pk)


class MaxMigrationView(InstitutionView):
    action = "chat.board"

    def get(self, request, institution_id):
        return self.render("chats/max.html", data=selectors.max_migration(self.institution))
