"""Thin views of the MAX bot's settings: the token (write-only), "sync now", the chats the bot
sees and their matching to registered chats. The administrators' pages (`chat.manage`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from roles.web import InstitutionView, show_as_message, show_on_form

from .. import selectors, services
from ..forms import BotChatMatchForm, BotTokenForm
from ..models import BotChat


class MessengerView(InstitutionView):
    action = "chat.manage"

    def get(self, request, institution_id):
        return self._page(BotTokenForm())

    def post(self, request, institution_id):
        form = BotTokenForm(request.POST)
        if form.is_valid():
            try:
                services.set_bot_token(
                    institution=self.institution, token=form.cleaned_data["token"], by=request.user
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("The token is saved. Sync now to check it."))
                return redirect("chats:messenger", institution_id=self.institution.pk)
        # The form is shown again empty: a token typed in is never sent back to the browser.
        return self._page(BotTokenForm(), errors=form.errors)

    def _page(self, form, errors=None):
        overview = selectors.messenger_overview(self.institution)
        return self.render(
            "chats/messenger.html",
            form=form,
            token_errors=errors,
            status=selectors.institution_bot_status(overview["bot"]),
            **overview,
        )


class MessengerTokenRemoveView(InstitutionView):
    action = "chat.manage"

    def get(self, request, institution_id):
        return self.render(
            "confirm.html",
            title=_("Remove the MAX bot's token?"),
            text=_(
                "The portal stops syncing the MAX chats; what it found so far stays. The bot "
                "itself stays in the chats until you remove it in MAX."
            ),
            confirm=_("Remove"),
            cancel_url=reverse("chats:messenger", args=[self.institution.pk]),
        )

    def post(self, request, institution_id):
        if services.remove_bot_token(institution=self.institution, by=request.user):
            messages.success(request, _("The token is removed."))
        return redirect("chats:messenger", institution_id=self.institution.pk)


class MessengerSyncView(InstitutionView):
    action = "chat.manage"

    def post(self, request, institution_id):
        services.request_sync(institution=self.institution, by=request.user)
        messages.success(request, _("The MAX chats are being synced."))
        return redirect("chats:messenger", institution_id=self.institution.pk)


class BotChatMatchView(InstitutionView):
    action = "chat.manage"

    def post(self, request, institution_id, pk):
        bot_chat = get_object_or_404(BotChat, pk=pk, institution=self.institution)
        form = BotChatMatchForm(request.POST, institution=self.institution)
        if form.is_valid():
            try:
                services.match_bot_chat(
                    bot_chat=bot_chat, chat=form.cleaned_data["chat"], by=request.user
                )
            except ValidationError as exc:
                show_as_message(request, exc)
            else:
                messages.success(request, _("Saved."))
        else:
            messages.error(request, _("Choose a registered chat on MAX."))
        return redirect("chats:messenger", institution_id=self.institution.pk)
