"""Invitation tokens, sign-in tokens and feed secrets are keys: they never reach a log line."""

import logging
import re

INVITE_PATH = re.compile(r"(/invite/|/signin/|/channels/feeds/)[^/\s\"'?]+")


def redact(text: str) -> str:
    return INVITE_PATH.sub(r"\1[hidden]", text)


class RedactInviteTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/invite/" in message or "/signin/" in message or "/feeds/" in message:
            record.msg, record.args = redact(message), ()
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 403 or a 404 is the client's business, not a bug: one line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 500) < 500:
            record.exc_info, record.exc_text = None, None
        return True
