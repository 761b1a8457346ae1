"""The password backend every password login goes through, with the throttle in front of it."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from sferum_portal.clients import client_ip

from . import devices, throttle

BACKEND = "roles.login.backends.ThrottledModelBackend"
logger = logging.getLogger(__name__)


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing attempts the throttle forbids before the password is
    checked, and counting failures.

    Refusals and failures end the chain of backends (PermissionDenied), so that the plain
    ModelBackend, listed after this one only to load sessions made by passwordless logins,
    never checks the password a second time without the throttle.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or username is None or password is None:
            # Client.login() in tests, management commands: no client to throttle.
            return super().authenticate(request, username=username, password=password, **kwargs)
        user = get_user_model()._default_manager.filter(username=username).first()
        device = devices.trusted_device(request, user)
        refusal = throttle.refusal_for(request, username, device)
        if refusal is not None:
            logger.warning(
                "Login refused (%s): %s from %s",
                refusal.reason,
                throttle.fold(username),
                client_ip(request) or "-",
            )
            request.login_refusal = refusal
            raise PermissionDenied
        found = super().authenticate(request, username=username, password=password, **kwargs)
        if found is None:
            throttle.record_failure(request, username, device)
            logger.info(
                "Login failed: %s from %s%s",
                throttle.fold(username),
                client_ip(request) or "-",
                " (a known device)" if device else "",
            )
            raise PermissionDenied
        request.login_trusted_user = found
        return found
