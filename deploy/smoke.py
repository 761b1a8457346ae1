"""The HTTP smoke test of `make prod-check` (deploy/prod_check.sh runs it; not for production).

    smoke.py prepare                  before the processes start: the beat heartbeat entry
    smoke.py run --port PORT --mail-dir DIR

`run` talks to gunicorn over HTTP the way nginx would (X-Forwarded-Proto: https,
X-Forwarded-For) and needs the Celery worker and beat to do real work: a periodic job sent by
beat, "recalculate now" on the statistics page, the chat reminders e-mailed to the teachers, and
a roster file uploaded and imported. It reads the database (same environment as the portal)
only to confirm what the worker wrote. Standard library and Django only; prints one line per
step with its time, and exits 1 with the reason at the first failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import http.client
import json
import os
import re
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HEARTBEAT = "prod-check: beat heartbeat"
DEMO_LOGIN = "admin"
TIMEOUT = float(os.environ.get("SMOKE_TIMEOUT", "90"))


class SmokeFailure(Exception):
    pass


def django_setup() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sferum_portal.settings")
    import django

    django.setup()


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.raw_headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def location(self) -> str:
        target = urllib.parse.urlsplit(self.headers.get("location", ""))
        return target.path + (f"?{target.query}" if target.query else "")


class Client:
    """A browser behind nginx: cookies (including Secure ones), CSRF, no automatic redirects."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.origin = f"https://{host}:{port}"
        self.cookies: dict[str, str] = {}
        # The CSRF token of the last form seen, as a browser would post it back.
        self.form_token = ""

    def request(self, method, path, *, body=None, content_type=None, https=True) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "X-Forwarded-For": "203.0.113.10"}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            result = Response(response.status, response.getheaders(), response.read())
        finally:
            connection.close()
        for name, value in result.raw_headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', result.text)
        if token:
            self.form_token = token.group(1)
        return result

    def get(self, path, *, https=True) -> Response:
        return self.request("GET", path, https=https)

    def post(self, path, data: dict[str, str]) -> Response:
        data = {"csrfmiddlewaretoken": self.form_token, **data}
        body = urllib.parse.urlencode(data).encode()
        return self.request(
            "POST", path, body=body, content_type="application/x-www-form-urlencoded"
        )

    def post_file(self, path, field: str, filename: str, content: bytes) -> Response:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
            f"\r\n\r\n{self.form_token}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            content_type=f"multipart/form-data; boundary={boundary}",
        )


def expect(condition: bool, message: str, response: Response | None = None) -> None:
    if condition:
        return
    if response is not None:
        snippet = re.sub(r"\s+", " ", response.text)[:600]
        message += f" [HTTP {response.status}, Location={response.headers.get('location')!r}: "
        message += f"{snippet}]"
    raise SmokeFailure(message)


def expect_status(response: Response, status: int, what: str) -> None:
    expect(response.status == status, f"{what}: expected HTTP {status}", response)


def wait_for(what: str, probe, timeout: float = TIMEOUT, interval: float = 0.5):
    """Call probe() until it returns something true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def prepare() -> None:
    """A one-off periodic job every 2 s, in the database before beat starts: the proof that beat
    reads its schedule from the database, sends what is due and writes back when it ran."""
    django_setup()
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from roles.models import Institution
    from sferum_portal.schedules import SCHEDULES
    from stats.models import UsageSnapshot

    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name=HEARTBEAT,
        defaults={
            "task": "stats.tasks.rollup_stats",
            "interval": every,
            "one_off": True,
            "enabled": True,
            "last_run_at": None,
            "total_run_count": 0,
        },
    )
    missing = set(SCHEDULES) - set(PeriodicTask.objects.values_list("name", flat=True))
    if missing:
        raise SmokeFailure(f"migrate did not create the periodic jobs: {sorted(missing)}")
    # Only the worker may write snapshots from here on.
    UsageSnapshot.objects.all().delete()
    count = Institution.objects.count()
    print(f"prepared: heartbeat every 2 s, {len(SCHEDULES)} periodic jobs, {count} institution(s)")


class Smoke:
    def __init__(self, port: int, mail_dir: Path):
        self.client = Client("127.0.0.1", port)
        self.mail_dir = mail_dir
        self.steps: list[tuple[str, float]] = []

    def step(self, name: str, function) -> None:
        started = time.monotonic()
        try:
            function()
        except SmokeFailure as failure:
            print(f"FAIL {name}: {failure}", flush=True)
            raise
        took = time.monotonic() - started
        self.steps.append((name, took))
        print(f"  ok {took:6.2f}s  {name}", flush=True)

    def run(self) -> None:
        django_setup()
        from roles.management.commands.seed_demo import DEMO_SHORT
        from roles.models import Institution

        self.institution = Institution.objects.get(short_name=DEMO_SHORT)
        started = time.monotonic()
        self.step("healthz: database and broker ok", self.healthz)
        self.step("plain HTTP is redirected to HTTPS", self.https_redirect)
        self.step("login page, HSTS, hashed static file", self.login_page)
        self.step("admin logs in through the form (CSRF)", self.login)
        self.step("dashboard of the demo institution", self.dashboard)
        self.step("beat sent a due job, the worker ran it", self.beat_heartbeat)
        self.step("statistics: 'recalculate now' done by the worker", self.recalculate)
        self.step("chat reminders e-mailed by the worker", self.reminders)
        self.step("roster file uploaded and imported by the worker", self.roster_import)
        total = time.monotonic() - started
        print(f"smoke: {len(self.steps)} steps ok in {total:.2f}s")
        print(f"smoke_seconds={total:.2f}")

    # --- steps ---

    def healthz(self) -> None:
        response = self.client.get("/healthz", https=False)
        expect_status(response, 200, "/healthz")
        state = json.loads(response.body)
        expect(state.get("db") == "ok" and state.get("broker") == "ok", f"/healthz: {state}")

    def https_redirect(self) -> None:
        response = self.client.get("/accounts/login/", https=False)
        expect(response.status == 301, "SECURE_SSL_REDIRECT is off", response)
        expect(response.headers["location"].startswith("https://"), "redirect not to https")

    def login_page(self) -> None:
        response = self.client.get("/accounts/login/")
        expect_status(response, 200, "login page")
        expect("strict-transport-security" in response.headers, "no HSTS header", response)
        expect(bool(self.client.form_token), "login form without CSRF token", response)
        # collectstatic with the manifest storage: names carry a content hash.
        hashed = re.findall(r'/static/[^"\']+\.[0-9a-f]{12}\.(?:css|js)', response.text)
        expect(bool(hashed), "no hashed static file linked: was collectstatic run?", response)
        asset = self.client.get(hashed[0])
        expect_status(asset, 200, f"static file {hashed[0]}")
        expect(
            "max-age" in asset.headers.get("cache-control", ""),
            f"static file not cacheable: {asset.headers.get('cache-control')!r}",
        )

    def login(self) -> None:
        from django.conf import settings

        response = self.client.post(
            "/accounts/login/",
            {"username": DEMO_LOGIN, "password": settings.DEMO_PASSWORD, "next": "/"},
        )
        expect(response.status == 302, "login refused", response)
        name = settings.SESSION_COOKIE_NAME
        session = [
            v
            for k, v in response.raw_headers
            if k.lower() == "set-cookie" and v.startswith(f"{name}=")
        ]
        expect(bool(session), f"no {name} cookie after login", response)
        expect(
            "Secure" in session[0] and "HttpOnly" in session[0],
            f"session cookie not Secure and HttpOnly: {session[0].split(';', 1)[1]}",
        )

    def dashboard(self) -> None:
        response = self.client.get("/")
        expect_status(response, 200, "dashboard")
        # The short name is the heading of every page; the full one is on the institution's card.
        expect(
            html.escape(self.institution.short_name) in response.text,
            f"dashboard does not name {self.institution.short_name!r}",
            response,
        )

    def beat_heartbeat(self) -> None:
        from django_celery_beat.models import PeriodicTask

        from stats.models import UsageSnapshot
        from stats.services import default_day

        # Beat switches a one-off entry off in the database once it has sent it: so beat read
        # its schedule from the database, found the job due, sent it and wrote back.
        wait_for(
            "beat to send the heartbeat job and switch it off",
            lambda: PeriodicTask.objects.filter(name=HEARTBEAT, enabled=False).exists(),
        )
        yesterday = default_day(self.institution)
        wait_for(
            f"the worker to roll up {yesterday} (the job beat sent)",
            lambda: UsageSnapshot.objects.filter(
                institution=self.institution, day=yesterday
            ).exists(),
        )

    def recalculate(self) -> None:
        from stats.models import UsageSnapshot

        page = self.client.get("/stats/")
        expect_status(page, 200, "/stats/")
        clicked = dt.datetime.now(dt.UTC)
        response = self.client.post("/stats/rollup/", {})
        expect(response.status == 302, "recalculate now refused", response)
        expect(response.location().startswith("/stats/"), "recalculate now: bad redirect")
        today = self.institution.local_today()

        def finished() -> bool:
            page = self.client.get("/stats/")
            expect_status(page, 200, "/stats/ while recalculating")
            # The page refreshes itself while the job runs; the job clears the flag at its end.
            if 'http-equiv="refresh"' in page.text:
                return False
            return UsageSnapshot.objects.filter(
                institution=self.institution, day=today, computed_at__gte=clicked
            ).exists()

        wait_for("the worker to recalculate today's statistics", finished, interval=1)

    def reminders(self) -> None:
        from chats.models import ChatReminder

        board = f"/chats/{self.institution.pk}/board/"
        expect_status(self.client.get(board), 200, "compliance board")
        response = self.client.post(f"{board}remind/", {})
        expect(response.status == 302, "reminders refused", response)

        def sent() -> int:
            expected = ChatReminder.objects.filter(institution=self.institution).count()
            if not expected:
                return 0
            recipients = [
                line
                for path in self.mail_dir.glob("*.log")
                for line in path.read_text("utf-8", "replace").splitlines()
                if line.startswith("To: ")
            ]
            return expected if len(recipients) >= expected else 0

        count = wait_for("the worker to e-mail the chat reminders", sent)
        print(f"         {count} reminder e-mail(s) in {self.mail_dir}")

    def roster_import(self) -> None:
        from roles.models import Person, RosterImport

        sample = (BASE_DIR / "static" / "samples" / "roster_students.csv").read_bytes()
        upload = f"/structure/{self.institution.pk}/import/"
        expect_status(self.client.get(upload), 200, "roster upload page")
        response = self.client.post_file(upload, "file", "roster_students.csv", sample)
        expect(response.status == 302, "roster upload refused", response)
        page = response.location()

        def status_is(*wanted: str):
            def check():
                state = json.loads(self.client.get(f"{page}?format=json").body)
                expect(state["status"] not in ("failed", "invalid"), f"roster import {state}")
                return state["status"] in wanted and state

            return check

        # The worker reads the file; the columns are chosen as the page proposes them.
        wait_for("the worker to read the roster file", status_is("mapping"))
        form = self.client.get(page)
        expect_status(form, 200, "roster columns page")
        columns = {
            name: (re.search(r'<option value="([^"]*)" selected', options) or [None, ""])[1]
            for name, options in re.findall(
                r'<select name="(column_\d+)"[^>]*>(.*?)</select>', form.text, re.S
            )
        }
        expect(columns.get("column_1") == "full_name", f"roster columns proposed: {columns}")
        response = self.client.post(f"{page}columns/", {**columns, "kind": "student"})
        expect(response.status == 302, "roster columns refused", response)
        wait_for("the worker to check the roster rows", status_is("preview"))
        preview = self.client.get(page)
        expect_status(preview, 200, "roster preview")
        response = self.client.post(page, {})
        expect(response.status == 302, "roster import not started", response)
        state = wait_for("the worker to import the roster", status_is("done"))
        expect(
            Person.objects.filter(
                institution=self.institution, last_name="Крылов", first_name="Арсений"
            ).count()
            == 1,
            "the imported student Крылов Арсений is not in the roster once",
        )
        roster_import = RosterImport.objects.filter(institution=self.institution).latest("pk")
        print(f"         import #{roster_import.pk}: {state}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    run = sub.add_parser("run")
    run.add_argument("--port", type=int, required=True)
    run.add_argument("--mail-dir", type=Path, required=True)
    args = parser.parse_args()
    try:
        if args.command == "prepare":
            prepare()
        else:
            Smoke(args.port, args.mail_dir).run()
    except SmokeFailure as failure:
        print(f"smoke test failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
