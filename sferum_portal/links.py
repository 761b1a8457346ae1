"""Absolute addresses of the portal's pages, for links that leave the browser: e-mails, printed
QR codes, calendar and Atom feeds.

`base_url()` is PORTAL_BASE_URL (required with DEBUG=0, so production links always lead to the
configured address). In development PORTAL_BASE_URL may be left unset: then a link follows the
address in use — the scheme and host of the request being answered (kept by
`RequestBaseMiddleware`, checked against ALLOWED_HOSTS by Django) — and outside a request (a
job) it is the development server's http://127.0.0.1:8000. Imports no app.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

_request_base: ContextVar[str] = ContextVar("portal_request_base", default="")


def base_url() -> str:
    """The portal's address without a trailing slash, e.g. https://portal.example.org."""
    if getattr(settings, "PORTAL_BASE_URL_FROM_REQUEST", False):
        current = _request_base.get()
        if current:
            return current
    return settings.PORTAL_BASE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """`path` (from `reverse`) on the portal's address."""
    return base_url() + path


class RequestBaseMiddleware:
    """In development without PORTAL_BASE_URL: the links made while answering a request follow
    the address the browser used (http://localhost:8000, a LAN address, the test server)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "PORTAL_BASE_URL_FROM_REQUEST", False):
            return self.get_response(request)
        token = _request_base.set(request.build_absolute_uri("/").rstrip("/"))
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
