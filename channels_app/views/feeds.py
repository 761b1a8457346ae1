"""The feed addresses: the page that issues and revokes the secret, and the two calendar
feeds read with the secret instead of a session (the Atom feed is `channels_app.feeds`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from roles import permissions as role_permissions
from roles.web import InstitutionView

from .. import feeds, selectors, services


class FeedAddressView(InstitutionView):
    """The user's secret addresses for calendar apps and feed readers: create, replace, revoke."""

    action = "channel.view"

    def get(self, request, institution_id):
        return self.render(
            "channels/feed_addresses.html",
            token=selectors.feed_token_of(request.user),
            new_token=None,
        )

    def post(self, request, institution_id):
        if request.POST.get("revoke"):
            services.revoke_feed_tokens(user=request.user)
            messages.success(request, _("The old addresses no longer work."))
            return redirect("channels:feed_addresses", self.institution.pk)
        raw = services.issue_feed_token(user=request.user)
        return self.render(
            "channels/feed_addresses.html",
            token=selectors.feed_token_of(request.user),
            new_token=raw,
            urls=feeds.urls_for(raw, self.institution, request),
        )


@never_cache
@require_GET
def personal_calendar(request, token):
    user = selectors.user_for_feed_token(token)
    if user is None:
        raise Http404
    return feeds.ics_response(feeds.personal_calendar(user), "sferum-my.ics")


@never_cache
@require_GET
def institution_calendar(request, token, institution_id):
    user = selectors.user_for_feed_token(token)
    if user is None:
        raise Http404
    institution = get_object_or_404(role_permissions.institutions_for(user), pk=institution_id)
    if not role_permissions.can(user, "channel.view", institution):
        raise Http404
    return feeds.ics_response(
        feeds.institution_calendar(user, institution), f"sferum-{institution.pk}.ics"
    )
