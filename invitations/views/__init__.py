"""Thin views of the invitation pages and the public landing page `/invite/<token>/`.

A package; every view is importable from here (the URLconfs use `views.InvitationListView`,
`invitation_views.invite`):
- `links`: the list, issuing, a link's card, revoking, resending, personal links, settings;
- `queues`: the join requests and the teacher verification queue;
- `landing`: `/invite/<token>/`, with its own pages for a link that does not work.
"""

from .landing import invite
from .links import (
    BulkLinksView,
    InvitationCreateView,
    InvitationDetailView,
    InvitationListView,
    InvitationResendView,
    InvitationRevokeView,
    PolicyView,
    UnitRevokeView,
    qr_svg,
)
from .queues import (
    JoinRequestDecideView,
    JoinRequestListView,
    VerificationDecideView,
    VerificationQueueView,
)

__all__ = [
    "BulkLinksView",
    "InvitationCreateView",
    "InvitationDetailView",
    "InvitationListView",
    "InvitationResendView",
    "InvitationRevokeView",
    "JoinRequestDecideView",
    "JoinRequestListView",
    "PolicyView",
    "UnitRevokeView",
    "VerificationDecideView",
    "VerificationQueueView",
    "invite",
    "qr_svg",
]
