"""The MAX bot token at rest: encrypted with a key derived from SECRET_KEY (Fernet).

A new SECRET_KEY makes a stored token unreadable: `decrypt` then returns "" and the settings
page asks for the token again. The token itself never reaches a log line or a page.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from django.utils.crypto import salted_hmac


def _fernet() -> Fernet:
    key = salted_hmac("chats.secrets.messenger-token", "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
