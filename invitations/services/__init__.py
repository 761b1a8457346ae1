"""Every write about invitation links, join requests and the expiry job.

A package; everything is importable from here (`from invitations import services;
services.create_invitation(...)`), including the contract of DESIGN §4: `create_invitation`,
`accept_invitation`, `revoke_invitation`, `expire_invitations`.

- `errors`: why a link does not work (the landing's typed refusals, shared `RuleBroken`s).
- `links`: finding and checking a link, creating, sending and resending, personal links for a
  class, the institution's policy, the link's address.
- `revoking`: revoking by hand, for a unit, for people who leave.
- `use`: using a link (accepting, joining with a new account, the passwordless personal link,
  asking to join by a class link, also as a guest).
- `joining`: the membership every way in ends with.
- `join_requests`: approving and rejecting requests to join.
- `verification`: deciding a teacher's «учитель» status.
- `expiry`: the hourly expiry job and the warnings about links that expire soon.
- `signin`: sign-in links, the way back in for a student or parent without a password.
- `merging`: the app's rows of a person merged into another (`roles.signals.people_merged`).
"""

# The token helpers, for the tests and benches that make or look up a token themselves.
from sferum_portal.tokens import hash_token, new_token

from .errors import (
    InvitationError,
    InvitationExpired,
    InvitationNeedsRequest,
    InvitationNotForYou,
    InvitationNotFound,
    InvitationPersonHasLogin,
    InvitationRevoked,
    InvitationUsedUp,
    SignInLinkError,
    SignInLinkExpired,
    SignInLinkNotFound,
    SignInLinkRevoked,
    SignInLinkUsed,
)
from .expiry import expire_invitations, warn_about_expiring_links
from .join_requests import approve_join_request, reject_join_request
from .links import (
    POLICY_EDITABLE,
    IssuedLink,
    add_short_code,
    check_or_explain,
    check_person_in_reach,
    check_usable,
    create_invitation,
    find_invitation,
    invitation_url,
    issue_personal_links,
    policy_for,
    resend_invitation,
    send_invitation,
    update_policy,
)
from .merging import hand_over_person
from .revoking import (
    revoke_for_memberships,
    revoke_for_person,
    revoke_invitation,
    revoke_unused_for_unit,
)
from .signin import (
    check_signin_issuable,
    check_signin_usable,
    find_signin_link,
    issue_signin_link,
    revoke_signin_link,
    revoke_signin_links_of,
    signin_url,
    use_signin_link,
)
from .use import (
    accept_invitation,
    join_by_personal_link,
    join_with_new_account,
    passwordless_user,
    request_as_guest,
    request_to_join,
    user_for_personal_link,
)
from .verification import decide_verification

__all__ = [
    "InvitationError",
    "InvitationExpired",
    "InvitationNeedsRequest",
    "InvitationNotForYou",
    "InvitationNotFound",
    "InvitationPersonHasLogin",
    "InvitationRevoked",
    "InvitationUsedUp",
    "IssuedLink",
    "add_short_code",
    "SignInLinkError",
    "SignInLinkExpired",
    "SignInLinkNotFound",
    "SignInLinkRevoked",
    "SignInLinkUsed",
    "accept_invitation",
    "approve_join_request",
    "check_or_explain",
    "check_person_in_reach",
    "check_signin_issuable",
    "check_signin_usable",
    "check_usable",
    "create_invitation",
    "decide_verification",
    "expire_invitations",
    "find_invitation",
    "find_signin_link",
    "hand_over_person",
    "hash_token",
    "invitation_url",
    "issue_personal_links",
    "issue_signin_link",
    "join_by_personal_link",
    "join_with_new_account",
    "new_token",
    "passwordless_user",
    "POLICY_EDITABLE",
    "policy_for",
    "update_policy",
    "reject_join_request",
    "request_as_guest",
    "request_to_join",
    "resend_invitation",
    "revoke_for_memberships",
    "revoke_for_person",
    "revoke_invitation",
    "revoke_signin_link",
    "revoke_signin_links_of",
    "revoke_unused_for_unit",
    "send_invitation",
    "signin_url",
    "use_signin_link",
    "user_for_personal_link",
    "warn_about_expiring_links",
]
