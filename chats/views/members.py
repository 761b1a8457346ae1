"""Thin views of a chat's reconciled members: the chat's page with its three lists, the pasted
member list (a preview of the parse and the matches, then saving), deciding an ambiguous name.

Who sees the lists: `chats.permissions.can_view_members` (the administration, the admins, and
the staff who may see the chat); who pastes and decides: the chat's owner and the admins.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from roles.models import Person
from roles.web import InstitutionView, show_on_form

from .. import permissions, selectors, services
from ..forms import MemberDecisionForm, MemberListForm
from ..models import Chat, ChatMember, MemberState


class ChatPageView(InstitutionView):
    """Base of the chat's member pages: the chat of the URL, seen by whom may see its lists."""

    action = "chat.register"

    def get_chat(self, pk, *, change: bool = False) -> Chat:
        chat = get_object_or_404(
            Chat.objects.select_related("owner", "unit", "institution"),
            pk=pk,
            institution=self.institution,
        )
        allowed = (
            permissions.can_change(self.request.user, chat)
            if change
            else permissions.can_view_members(self.request.user, chat)
        )
        if not allowed:
            raise PermissionDenied
        return chat

    def detail_url(self, chat: Chat) -> str:
        return reverse("chats:detail", args=[self.institution.pk, chat.pk])


class ChatDetailView(ChatPageView):
    def get(self, request, institution_id, pk):
        chat = self.get_chat(pk)
        return self.render(
            "chats/detail.html",
            chat=chat,
            lists=selectors.member_lists(chat),
            bot=selectors.chat_bot_status(chat),
            can_paste=permissions.can_change(request.user, chat) and not chat.is_archived,
        )


class MemberListView(ChatPageView):
    """Paste (or upload) the member list, see its parse and matches, then save."""

    def get(self, request, institution_id, pk):
        chat = self.get_chat(pk, change=True)
        return self._form_page(chat, MemberListForm())

    def post(self, request, institution_id, pk):
        chat = self.get_chat(pk, change=True)
        form = MemberListForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._form_page(chat, form)
        text = form.cleaned_data["text"]
        if request.POST.get("step") != "save":
            parsed, result = services.preview(chat=chat, text=text)
            return self.render(
                "chats/members_preview.html",
                chat=chat,
                text=text,
                parsed=parsed,
                present=_shown(result, MemberState.PRESENT),
                missing=_shown(result, MemberState.MISSING),
                not_here=_shown(
                    result,
                    MemberState.UNKNOWN,
                    MemberState.LEFT,
                    MemberState.MOVED,
                    MemberState.AMBIGUOUS,
                ),
            )
        try:
            result = services.reconcile_pasted(chat=chat, text=text, by=request.user)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self._form_page(chat, form)
        messages.success(
            request,
            _(
                "Saved: %(present)d in the chat, %(missing)d missing, %(unknown)d not where the "
                "roster expects them."
            )
            % {
                "present": result.members_matched,
                "missing": result.people_missing,
                "unknown": result.members_unknown,
            },
        )
        return redirect(self.detail_url(chat))

    def _form_page(self, chat, form):
        return self.render("chats/members_paste.html", chat=chat, form=form)


def _shown(result, *states: str) -> list[dict]:
    """Planned rows as the preview shows them: the name read, the person matched, a note."""
    shown = []
    for row in result.of(*states):
        person = result.person(row)
        note = "" if row.state in (MemberState.PRESENT, MemberState.MISSING) else row.state
        if row.state == MemberState.AMBIGUOUS:
            names = [result.roster.people[pk].full_name for pk in row.candidates]
            note = _("fits: %(names)s") % {"names": "; ".join(names)}
        elif note:
            note = MemberState(row.state).label
        shown.append({"name": row.name, "person": person.full_name if person else "", "note": note})
    return shown


class MemberDecideView(ChatPageView):
    """Who is this member? One of the people whose name fits, or nobody on the roster."""

    def _member(self, chat, member_pk) -> ChatMember:
        return get_object_or_404(
            ChatMember.objects.exclude(state=MemberState.MISSING), pk=member_pk, chat=chat
        )

    def _form(self, member, data=None):
        candidates = list(Person.objects.filter(pk__in=member.candidates or [0]))
        # Besides the names that fit: the person matched now, and whoever the chat is missing
        # (a member may show a nickname: «Маша 🌸» is Петрова Мария).
        others = [member.person] if member.person_id else []
        others += [
            row.person
            for row in ChatMember.objects.filter(chat=member.chat, state=MemberState.MISSING)
            .select_related("person")
            .order_by("person__last_name", "person__first_name")
            if row.person_id
        ]
        return MemberDecisionForm(data, candidates=candidates, others=others)

    def get(self, request, institution_id, pk, member_pk):
        chat = self.get_chat(pk, change=True)
        member = self._member(chat, member_pk)
        return self._page(chat, member, self._form(member))

    def post(self, request, institution_id, pk, member_pk):
        chat = self.get_chat(pk, change=True)
        member = self._member(chat, member_pk)
        form = self._form(member, request.POST)
        if form.is_valid():
            choice = form.cleaned_data["person"]
            person = (
                None
                if choice == MemberDecisionForm.NOBODY
                else get_object_or_404(Person, pk=choice, institution=self.institution)
            )
            try:
                services.decide_member(member=member, person=person, by=request.user)
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("Saved; the portal remembers it."))
                return redirect(self.detail_url(chat))
        return self._page(chat, member, form)

    def _page(self, chat, member, form):
        return self.form_page(
            form,
            title=_("Who is «%(name)s» in «%(chat)s»?") % {"name": member.name, "chat": chat},
            intro=_(
                "Several people of the roster have this name, or the portal could not tell. "
                "Your choice is remembered for the next reconciliations."
            ),
            cancel_url=self.detail_url(chat),
        )
