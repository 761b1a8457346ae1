"""One way to write an e-mail: rendered in the recipient's language and the institution's time
zone, as plain text (a plain-text body is not HTML: «кавычки» and "quotes" stay as typed)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation


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


def send(messages: Iterable[EmailMessage]) -> int:
    """Send every message over one connection; returns how many were sent."""
    messages = list(messages)
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
