"""The admin's pages of the channels and of the staff allowed to write posts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from roles.web import InstitutionView, show_as_message, show_on_form

from .. import selectors, services
from ..forms import AuthorForm, ChannelForm
from ..models import ChannelAuthor


class ChannelListView(InstitutionView):
    action = "channel.manage"

    def get(self, request, institution_id):
        return self.render(
            "channels/channels.html",
            channels=selectors.channels_of(self.institution, include_archived=True),
            authors=selectors.authors_of(self.institution),
            author_form=AuthorForm(institution=self.institution),
        )


class ChannelFormView(InstitutionView):
    action = "channel.manage"

    def get_channel(self, pk):
        if pk is None:
            return None
        return get_object_or_404(
            selectors.channels_of(self.institution, include_archived=True), pk=pk
        )

    def page(self, form, channel):
        return self.form_page(
            form,
            title=_("Edit the channel") if channel else _("New channel"),
            cancel_url=reverse("channels:channels", args=[self.institution.pk]),
        )

    def get(self, request, institution_id, pk=None):
        channel = self.get_channel(pk)
        return self.page(ChannelForm(instance=channel), channel)

    def post(self, request, institution_id, pk=None):
        channel = self.get_channel(pk)
        form = ChannelForm(request.POST, instance=channel)
        if not form.is_valid():
            return self.page(form, channel)
        fields = {k: form.cleaned_data[k] for k in ChannelForm.Meta.fields}
        try:
            if channel is None:
                services.create_channel(institution=self.institution, by=request.user, **fields)
            else:
                services.update_channel(channel=channel, by=request.user, **fields)
        except ValidationError as exc:
            show_on_form(form, exc)
            return self.page(form, channel)
        messages.success(request, _("The channel is saved."))
        return redirect("channels:channels", self.institution.pk)


class ChannelArchiveView(ChannelFormView):
    def get(self, request, institution_id, pk):
        channel = self.get_channel(pk)
        return self.render(
            "confirm.html",
            title=_("Archive the channel «%(name)s»?") % {"name": channel.name},
            text=_("New posts can no longer be written for it; its published posts stay."),
            confirm=_("Archive"),
            cancel_url=reverse("channels:channels", args=[self.institution.pk]),
        )

    def post(self, request, institution_id, pk):
        channel = self.get_channel(pk)
        try:
            services.archive_channel(channel=channel, by=request.user)
        except ValidationError as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, _("The channel is archived."))
        return redirect("channels:channels", self.institution.pk)


class AuthorAddView(InstitutionView):
    action = "channel.manage"
    http_method_names = ["post"]

    def post(self, request, institution_id):
        form = AuthorForm(request.POST, institution=self.institution)
        if form.is_valid():
            try:
                services.allow_author(
                    institution=self.institution,
                    person=form.cleaned_data["person"],
                    by=request.user,
                )
            except ValidationError as exc:
                show_as_message(request, exc)
            else:
                messages.success(request, _("The staff member may now write posts."))
        else:
            messages.error(request, _("Choose a staff member."))
        return redirect("channels:channels", self.institution.pk)


class AuthorRemoveView(InstitutionView):
    action = "channel.manage"

    def get_author(self, pk):
        return get_object_or_404(
            ChannelAuthor.objects.select_related("person"), pk=pk, institution=self.institution
        )

    def get(self, request, institution_id, pk):
        author = self.get_author(pk)
        return self.render(
            "confirm.html",
            title=_("Stop %(person)s writing posts?") % {"person": author.person},
            text=_("Their posts written so far stay as they are."),
            confirm=_("Remove"),
            cancel_url=reverse("channels:channels", args=[self.institution.pk]),
        )

    def post(self, request, institution_id, pk):
        services.remove_author(author=self.get_author(pk), by=request.user)
        messages.success(request, _("Removed from the authors."))
        return redirect("channels:channels", self.institution.pk)
