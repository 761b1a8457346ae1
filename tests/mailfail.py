"""A mail server that refuses some recipients, or is down: a fake at the edge of the world.

Set EMAIL_BACKEND to "tests.mailfail.RefusingBackend" and fill REFUSED with addresses (or set
DOWN) — it otherwise delivers into django.core.mail.outbox like the locmem backend.
"""

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

REFUSED: set[str] = set()
DOWN = {"down": False}


class RefusingBackend(EmailBackend):
    def open(self):
        if DOWN["down"]:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().open() if hasattr(super(), "open") else True

    def send_messages(self, messages):
        if DOWN["down"]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        for message in messages:
            refused = [a for a in message.to if a in REFUSED]
            if refused:
                raise smtplib.SMTPRecipientsRefused({a: (550, b"No such user") for a in refused})
        return super().send_messages(messages)


def reset() -> None:
    REFUSED.clear()
    DOWN["down"] = False
    mail.outbox = []
