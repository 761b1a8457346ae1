"""Login lockout (django-axes) without keeping a secret in its records or log lines."""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler

from .clients import client_address
from .logging import redact


def client_ip(request) -> str | None:
    """The client address the invitation rate limit counts, if it is one: axes stores it in an
    address column (a request built without REMOTE_ADDR, or a forged X-Forwarded-For, must not
    break a login)."""
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def _redact_path(request) -> None:
    # Axes stores and logs the path of every login; on `/invite/<token>/` the path is a key.
    path = getattr(request, "axes_path_info", None)
    if path:
        request.axes_path_info = redact(path)


class RedactingAxesHandler(AxesDatabaseHandler):
    """The database handler, with invitation tokens removed from the recorded paths."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            _redact_path(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        _redact_path(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        _redact_path(request)
        return super().user_logged_out(sender, request, user, **kwargs)
