"""The secrets of the users' feed addresses (iCalendar, Atom): issuing and revoking them.

Reading a feed by its secret is in `channels_app.selectors` and `channels_app.feeds`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sferum_portal.tokens import hash_token, new_token

from ..models import FeedToken


@transaction.atomic
def issue_feed_token(*, user) -> str:
    """A new secret for the user's feed addresses; the old addresses stop working."""
    revoke_feed_tokens(user=user)
    token = new_token()
    FeedToken.objects.create(user=user, token_hash=hash_token(token))
    return token


def revoke_feed_tokens(*, user) -> int:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
