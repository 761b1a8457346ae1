"""A small client of MAX's Bot API (the official schema: github.com/max-messenger/api-schema).

Only what the sync reads: `GET /me`, `GET /chats` and `GET /chats/{chatId}/members`, both paged
with `count` and `marker`, the token in the `Authorization` header. Every request has a
time-out; 429 and 503 (and a dropped connection) are retried with exponential back-off that
honours `Retry-After`; what is left is one of three errors the sync turns into a state:
`InvalidToken` (401), `NoAccess` (403/404: the bot is not in the chat or may not read its
members), `Unavailable` (MAX cannot be reached or keeps refusing). Error bodies are MAX's
`{"code": ..., "message": ...}`. The token is never logged or put in an error's text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 502, 503, 504}
PAGE_SIZE = 100  # the schema's maximum `count` for chats and members


class MaxError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


class InvalidToken(MaxError):
    """401: no token or a token MAX does not accept."""


class NoAccess(MaxError):
    """403 or 404 for a chat: the bot is not a member, or not an administrator of it."""


class Unavailable(MaxError):
    """MAX cannot be reached, times out, or keeps answering 429/5xx."""


@dataclass(frozen=True)
class BotChatInfo:
    chat_id: int
    type: str
    status: str
    title: str
    link: str
    participants_count: int | None


@dataclass(frozen=True)
class MemberInfo:
    user_id: int
    name: str
    is_bot: bool


class MaxClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests_made = 0
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": token, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MaxClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the requests -----------------------------------------------------------------------

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        retry_after = response.headers.get("Retry-After", "") if response is not None else ""
        if retry_after.strip().isdigit():
            return min(float(retry_after), self.max_wait)
        return min(self.backoff * (2**attempt), self.max_wait)

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET `path` with retries; the JSON body of a 200, else one of the errors."""
        attempt = 0
        while True:
            response = None
            try:
                self.requests_made += 1
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}"
                if attempt >= self.retries:
                    raise Unavailable(f"MAX unreachable: {failure}", code=failure) from None
            else:
                if response.status_code == 200:
                    try:
                        return response.json()
                    except ValueError:
                        raise Unavailable("MAX answered with no JSON", status=200) from None
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    raise self._error(response)
            wait = self._wait(attempt, response)
            logger.info("MAX %s: retry %d in %.1fs", path, attempt + 1, wait)
            self.sleep(wait)
            attempt += 1

    @staticmethod
    def _error(response: httpx.Response) -> MaxError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("code", "")) if isinstance(body, dict) else ""
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        status = response.status_code
        text = f"MAX {status} {code}: {message}".strip()
        if status == 401:
            return InvalidToken(text, status=status, code=code)
        if status in (403, 404):
            return NoAccess(text, status=status, code=code)
        return Unavailable(text, status=status, code=code)

    def _pages(self, path: str, field: str, count: int) -> Iterator[dict]:
        marker = None
        while True:
            params = {"count": count}
            if marker is not None:
                params["marker"] = marker
            body = self.get(path, params)
            yield from body.get(field) or []
            marker = body.get("marker")
            if marker is None:
                return

    # --- what the sync reads ---------------------------------------------------------------

    def me(self) -> dict:
        return self.get("/me")

    def chats(self, *, count: int = PAGE_SIZE) -> Iterator[BotChatInfo]:
        for chat in self._pages("/chats", "chats", count):
            yield BotChatInfo(
                chat_id=int(chat["chat_id"]),
                type=str(chat.get("type") or "chat"),
                status=str(chat.get("status") or "active"),
                title=str(chat.get("title") or "")[:200],
                link=str(chat.get("link") or "")[:500],
                participants_count=chat.get("participants_count"),
            )

    def members(self, chat_id: int, *, count: int = PAGE_SIZE) -> Iterator[MemberInfo]:
        for member in self._pages(f"/chats/{chat_id}/members", "members", count):
            name = " ".join(
                str(member.get(part) or "").strip() for part in ("first_name", "last_name")
            ).strip() or str(member.get("name") or "")
            yield MemberInfo(
                user_id=int(member["user_id"]), name=name, is_bot=bool(member.get("is_bot"))
            )
