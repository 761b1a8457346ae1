"""Why a link does not work: the typed refusals of the landing page `/invite/<token>/`.

Each error has a `status` (the reason the failure page explains, and with it the HTTP status the
landing gives: unknown 404; expired, revoked, used up 410; not for you 403) and a default message
from the catalogue, so `raise InvitationExpired` needs no argument. They are the shared refusals
of `roles.errors`: an `InvitationError` is a `RuleBroken` (and so a `ValidationError`), and
`InvitationNotForYou` is also a `NotAllowed` (and so a `PermissionDenied`). A view that shows
the landing's own pages catches `InvitationError` before `ValidationError`.

The sign-in links (`signin`) have their own family, `SignInLinkError`, with its own page.

The other refusals of the services (a past expiry date, a role the user may not give) are plain
`RuleBroken` / `NotAllowed`, raised where the rule is; they are not here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from roles.errors import NotAllowed, RuleBroken

from ..models import SignInStatus, Status


class InvitationError(RuleBroken):
    """The link cannot be used; `status` says why."""

    status = "invalid"
    # The headings of the failure page (invitations/invite_failed.html).
    default_message = _("The link does not work")

    def __init__(self, message=None, code=None, params=None) -> None:
        super().__init__(
            self.default_message if message is None else message,
            code=code or str(self.status),
            params=params,
        )


class InvitationNotFound(InvitationError):
    status = "unknown"
    default_message = _("There is no such invitation link")


class InvitationExpired(InvitationError):
    status = Status.EXPIRED
    default_message = _("The invitation link has expired")


class InvitationRevoked(InvitationError):
    status = Status.REVOKED
    default_message = _("The invitation link has been revoked")


class InvitationUsedUp(InvitationError):
    status = Status.USED_UP
    default_message = _("The invitation link has already been used")


class InvitationNotForYou(InvitationError, NotAllowed):
    """A personal link used by somebody else, or a link that does not fit the login."""

    status = "not_for_you"
    default_message = _("This link is not for you")


class InvitationNeedsRequest(InvitationError):
    """A class-wide link for students or parents: the person must say who they are."""

    status = "needs_request"
    default_message = _("Tell us who you are")


class InvitationPersonHasLogin(InvitationNotForYou):
    """A personal student or parent link whose person has a login by now: the link is no key to
    that login (a sign-in link from the administrator is, see `signin`)."""

    status = "has_login"
    default_message = _("This person has already joined")


# --- sign-in links ------------------------------------------------------------------------------


class SignInLinkError(RuleBroken):
    """A sign-in link that does not work; `status` says why (the page and its HTTP status:
    unknown 404; expired, used, revoked 410)."""

    status = "invalid"
    default_message = _("The sign-in link does not work")

    def __init__(self, message=None, code=None, params=None) -> None:
        super().__init__(
            self.default_message if message is None else message,
            code=code or str(self.status),
            params=params,
        )


class SignInLinkNotFound(SignInLinkError):
    status = "unknown"
    default_message = _("There is no such sign-in link")


class SignInLinkExpired(SignInLinkError):
    status = SignInStatus.EXPIRED
    default_message = _("The sign-in link has expired")


class SignInLinkUsed(SignInLinkError):
    status = SignInStatus.USED
    default_message = _("The sign-in link has already been used")


class SignInLinkRevoked(SignInLinkError):
    status = SignInStatus.REVOKED
    default_message = _("The sign-in link has been revoked")
