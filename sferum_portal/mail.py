"""One way to write an e-mail: rendered in the recipient's language and the institution's time
zone, as plain text (a plain-text body is not HTML: «кавычки» and "quotes" stay as typed)."""

from __future__ import annotations

import contextvars
import logging
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

logger = logging.getLogger(__name__)


def render_text(template_name: str, context: dict) -> str:
    """A text template rendered without HTML escaping (e-mail bodies and subjects)."""
    template = get_template(template_name)
    # The backend's wrapper would autoescape; the engine's own template takes a Context.
    return template.template.render(Context(context, autoescape=False))


def build(
    *,
    to: str,
    body_template: str,
    context: dict,
    subject: str = "",
    subject_params: dict | None = None,
    subject_template: str = "",
    tz: zoneinfo.ZoneInfo | None = None,
    language: str | None = None,
) -> EmailMessage:
    """One message to one address (nobody sees the other recipients).

    The subject is `subject` (a lazy translation, filled with `subject_params`) or rendered from
    `subject_template`; subject and body are made in `language` (the portal's language by
    default: stored recipients have no other) and in the time zone `tz`.
    """
    with (
        translation.override(language or settings.LANGUAGE_CODE),
        timezone.override(tz or timezone.get_current_timezone()),
    ):
        body = render_text(body_template, context)
        if subject_template:
            subject = render_text(subject_template, context)
        else:
            subject = str(subject) % subject_params if subject_params else str(subject)
    # A header is one line: a template's trailing newline or a title's line break is dropped.
    subject = " ".join(subject.split())
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


# The addresses this request (or job) could not write to: the web kit shows them after the page.
_failed: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "mail_failed", default=None
)


def send(messages: Iterable[EmailMessage]) -> int:
    """Send every message over one connection; returns how many were sent.

    A message that cannot be sent (the server refuses it or is down, a header it will not
    take) never raises: it is logged, its address is remembered for the page to say so
    (`failed_addresses`), and the others are still sent. The state change that asked for the
    e-mail stays.
    """
    messages = list(messages)
    if not messages:
        return 0
    sent = 0
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server
        _fail(messages, exc)
        return 0
    try:
        for message in messages:
            try:
                sent += connection.send_messages([message]) or 0
            except Exception as exc:  # noqa: BLE001
                _fail([message], exc)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            logger.debug("Closing the mail connection failed", exc_info=True)
    return sent


def _fail(messages: list[EmailMessage], exc: Exception) -> None:
    addresses = [address for message in messages for address in message.to]
    logger.error("E-mail not sent to %s: %s", ", ".join(addresses), exc)
    failed = _failed.get()
    if failed is not None:
        failed.extend(addresses)


def collect_failures() -> contextvars.Token:
    """Start remembering the addresses that could not be written to (a request's start)."""
    return _failed.set([])


def failed_addresses(token: contextvars.Token | None = None) -> list[str]:
    """The addresses remembered since `collect_failures`; with its token, stop remembering."""
    failed = list(_failed.get() or [])
    if token is not None:
        _failed.reset(token)
    return failed
