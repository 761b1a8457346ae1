"""The secrets in links (invitations, feed addresses): random, kept only as their SHA-256.

A link's token is the key to what it opens, so the database never holds one in clear and a
lookup compares digests in constant time.
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
