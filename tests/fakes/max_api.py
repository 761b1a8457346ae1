"""A fake MAX Bot API: a real HTTP server on 127.0.0.1 that follows the official schema
(github.com/max-messenger/api-schema, `schema.yaml`) for what the portal reads.

`GET /me` (BotInfo), `GET /chats` (ChatList, paged: `count` 1..100, default 50, and `marker`),
`GET /chats/{chatId}` (Chat), `GET /chats/{chatId}/members` (ChatMembersList, paged: `count`
1..100, default 20, and `marker`); the token in the `Authorization` header (401 otherwise);
error bodies `{"code": ..., "message": ...}`; 403 for a chat whose members the bot may not read,
404 for a chat it is not in; queued failures (429 with Retry-After, 503) for the retry paths.
Used by the tests (started per test) and by `bench/messenger_sync.py`. A fake at the edge of
the world: the portal's own code runs unchanged against it.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MEMBERS_PATH = re.compile(r"^/chats/(-?\d+)/members$")
CHAT_PATH = re.compile(r"^/chats/(-?\d+)$")


@dataclass
class Failure:
    path: str  # a prefix of the request path ("/chats", "/me", "/chats/-7/members")
    status: int
    headers: dict = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    authorization: str


class FakeMax:
    def __init__(self, token: str = "fake-max-token-0123456789abcdef"):
        self.token = token
        self.bot = {
            "user_id": 9_000_001,
            "first_name": "Портал учреждения",
            "last_name": None,
            "username": "portal_bot",
            "is_bot": True,
            "last_activity_time": 1_775_628_268_494,
            "name": "Портал учреждения",
            "description": "Бот портала Сферум",
            "avatar_url": None,
            "full_avatar_url": None,
            "commands": None,
        }
        self.chats: dict[int, dict] = {}
        self.members: dict[int, list[dict]] = {}
        self.denied: set[int] = set()
        self.failures: list[Failure] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- the world the bot sees --------------------------------------------------------------

    def add_chat(
        self, chat_id: int, title: str, link: str = "", members=(), *, type: str = "chat"
    ) -> None:
        with self._lock:
            self.chats[chat_id] = {
                "chat_id": chat_id,
                "type": type,
                "status": "active",
                "title": title,
                "icon": None,
                "last_event_time": 1_775_628_268_494,
                "participants_count": 0,
                "owner_id": None,
                "participants": None,
                "is_public": False,
                "link": link or None,
                "description": None,
                "messages_count": 7,
            }
            self.members[chat_id] = [
                self._member(self.bot["user_id"], self.bot["first_name"], None, bot=True)
            ]
        for user_id, first, last in members:
            self.join(chat_id, user_id, first, last)

    @staticmethod
    def _member(user_id: int, first: str, last: str | None, *, bot: bool = False) -> dict:
        name = " ".join(p for p in (first, last) if p)
        return {
            "user_id": user_id,
            "first_name": first,
            "last_name": last,
            "username": None,
            "is_bot": bot,
            "last_activity_time": 1_775_626_919_577,
            "name": name,
            "description": None,
            "avatar_url": None,
            "full_avatar_url": None,
            "last_access_time": 1_775_626_919_577,
            "is_owner": False,
            "is_admin": bot,
            "join_time": 1_775_626_919_577,
            "permissions": ["read_all_messages", "add_remove_members"] if bot else None,
            "alias": None,
        }

    def join(self, chat_id: int, user_id: int, first: str, last: str | None = None) -> None:
        with self._lock:
            self.members[chat_id].append(self._member(user_id, first, last))
            self.chats[chat_id]["participants_count"] = len(self.members[chat_id])

    def leave(self, chat_id: int, user_id: int) -> None:
        with self._lock:
            self.members[chat_id] = [m for m in self.members[chat_id] if m["user_id"] != user_id]
            self.chats[chat_id]["participants_count"] = len(self.members[chat_id])

    def fail(self, path: str, status: int, times: int = 1, **headers) -> None:
        for _n in range(times):
            self.failures.append(
                Failure(path, status, {k.replace("_", "-"): v for k, v in headers.items()})
            )

    def count(self, prefix: str = "") -> int:
        return sum(r.path.startswith(prefix) for r in self.requests)

    # --- the server ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeMax:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK cost every request some 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                fake._handle(self)

            def do_POST(self):
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMax:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- answering -----------------------------------------------------------------------------

    def _send(self, handler, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, str(value))
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler, status: int, code: str, message: str, headers=None) -> None:
        self._send(handler, status, {"code": code, "message": message}, headers)

    def _handle(self, handler) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        auth = handler.headers.get("Authorization", "")
        with self._lock:
            self.requests.append(Request(handler.command, parts.path, query, auth))
            failure = next((f for f in self.failures if parts.path.startswith(f.path)), None)
            if failure is not None:
                self.failures.remove(failure)
        if auth != self.token:
            return self._error(handler, 401, "verify.token", "Invalid access_token")
        if failure is not None:
            codes = {429: "too.many.requests", 503: "service.unavailable"}
            return self._error(
                handler,
                failure.status,
                codes.get(failure.status, "internal.error"),
                "Try again later",
                failure.headers,
            )
        if handler.command != "GET":
            return self._error(handler, 405, "method.not.allowed", "Method is not allowed")
        try:
            count = int(query.get("count", 0)) or None
            marker = int(query["marker"]) if "marker" in query else 0
        except ValueError:
            return self._error(handler, 400, "proto.payload", "Invalid parameter")
        if count is not None and not 1 <= count <= 100:
            return self._error(handler, 400, "proto.payload", "count must be 1..100")
        if parts.path == "/me":
            return self._send(handler, 200, self.bot)
        if parts.path == "/chats":
            with self._lock:
                chats = sorted(self.chats.values(), key=lambda c: c["chat_id"])
            page, next_marker = self._page(chats, marker, count or 50)
            return self._send(handler, 200, {"chats": page, "marker": next_marker})
        if match := MEMBERS_PATH.match(parts.path):
            chat_id = int(match.group(1))
            if chat_id not in self.chats:
                return self._error(handler, 404, "not.found", f"Chat {chat_id} not found")
            if chat_id in self.denied:
                return self._error(handler, 403, "chat.denied", "Bot is not an admin of the chat")
            with self._lock:
                members = list(self.members[chat_id])
            page, next_marker = self._page(members, marker, count or 20)
            return self._send(handler, 200, {"members": page, "marker": next_marker})
        if match := CHAT_PATH.match(parts.path):
            chat = self.chats.get(int(match.group(1)))
            if chat is None:
                return self._error(handler, 404, "not.found", "Chat not found")
            return self._send(handler, 200, chat)
        return self._error(handler, 404, "not.found", "Path not found")

    @staticmethod
    def _page(items: list, marker: int, count: int) -> tuple[list, int | None]:
        page = items[marker : marker + count]
        following = marker + count
        return page, following if following < len(items) else None


def free_port() -> int:
    """A port nobody listens on (for "MAX is down": connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False
