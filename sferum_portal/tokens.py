"""The secrets in links (invitations, feed addresses): random, kept only as their SHA-256.

A link's token is the key to what it opens, so the database never holds one in clear and a
lookup compares digests in constant time. The short codes printed on QR sheets (a fallback
typed by hand) are at the end.
"""

import hashlib
import hmac
import secrets

TOKEN_BYTES = 24  # 192 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def digests_match(stored: str, token: str) -> bool:
    return hmac.compare_digest(stored, hash_token(token))


# --- short codes (printed under a QR code, typed by hand) ---------------------------------------
# Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): 31¹⁰ ≈ 2⁴⁹·⁵. A code is
# the key of one personal link on paper: single-use, expiring, rate-limited like the landing,
# and stored only as an HMAC keyed with SECRET_KEY (a copy of the database alone reveals none).
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 10
_SEPARATORS = str.maketrans("", "", " -_.\u2010\u2011\u2012\u2013\u2014")


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalize_short_code(text: str) -> str | None:
    """The code as typed (any case, spaces or dashes between groups), or None if it is none."""
    code = (text or "").translate(_SEPARATORS).upper()
    if len(code) != SHORT_CODE_LENGTH or any(c not in SHORT_CODE_ALPHABET for c in code):
        return None
    return code


def format_short_code(code: str) -> str:
    """ABCDE-FGHJK: two groups of five, to read out and type."""
    half = SHORT_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def hash_short_code(code: str) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac("sferum.short-code", code, algorithm="sha256").hexdigest()
