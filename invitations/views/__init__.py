"""Thin views of the invitation pages and the public landing page `/invite/<token>/`.

A package; every view is importable from here (the URLconfs use `views.InvitationListView`,
`invitation_views.invite`):
- `links`: the list, issuing, a link's card, revoking, resending, personal links, settings;
- `queues`: the join requests and the teacher verification queue;
- `landing`: `/invite/<token>/`, with its own pages for a link that does not work;
- `signin`: sign-in links (the person page's section, issuing, revoking) and their landing
  `/signin/<token>/`.
"""

from .landing import invite, invite_code
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
from .signin import SignInLinkIssueView, SignInLinkRevokeView, person_section, signin

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
    "SignInLinkIssueView",
    "SignInLinkRevokeView",
    "UnitRevokeView",
    "VerificationDecideView",
    "VerificationQueueView",
    "invite",
    "invite_code",
    "person_section",
    "qr_svg",
    "signin",
]
