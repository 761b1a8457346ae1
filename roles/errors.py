"""The two ways a service refuses, shared by every app.

- `NotAllowed`: "you may not" — the user's role does not allow this action on this object.
- `RuleBroken`: "this breaks a rule of the domain" — anyone would be refused (a past expiry
  date, an archived unit, a second staff room).

Both are `ValidationError`s, so a page that offers the action shows the refusal on its form or
as a message; `NotAllowed` is also a `PermissionDenied`, so a refusal that no page catches is a
403 (see `roles.web`). An app subclasses them where it needs its own page or status (the
invitation errors, the editorial workflow's steps).
"""

from django.core.exceptions import PermissionDenied, ValidationError


class RuleBroken(ValidationError):
    """The action breaks a rule of the domain; nothing was written."""


class NotAllowed(ValidationError, PermissionDenied):
    """The user may not take this action; nothing was written."""
