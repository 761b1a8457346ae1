"""Private helpers shared by the channels services: the https address check, the check of who
manages an event. No service of its own lives here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from roles.errors import NotAllowed, RuleBroken

from .. import permissions
from ..models import Event


def _https(value: str, field: str) -> None:
    """An address given must be a full https:// one (empty: nothing to check)."""
    if not value:
        return
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        raise RuleBroken(
            {field: _("Enter a full https:// address, e.g. https://sferum.ru/…")}
        ) from None


def _check_event_manager(by, event: Event) -> None:
    """Change, cancel, mark held, remind now: the admin, whoever planned it, and its host."""
    if not permissions.can_manage_event(by, event):
        raise NotAllowed(_("Only the host, whoever planned it, or the admin may do this."))
