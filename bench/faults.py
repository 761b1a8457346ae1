"""Fault injection: the portal while Redis, PostgreSQL or a Celery worker fails under it.

    .venv/bin/python bench/faults.py

Everything runs on private instances that the script starts and stops itself — never on a
shared server: a PostgreSQL cluster made with initdb in a temporary directory (as the
`postgres` OS user when run as root; binaries from PG_BIN, default /usr/lib/postgresql/15/bin)
and a redis-server, each on a free port. The portal runs as in production (bench/load.py's
environment): gunicorn with 2 workers, a Celery worker (prefork, concurrency 1) and Celery beat
with the database schedule. The data set is bench/load.py's school and its region.

Scenarios, each printing `name=value` figures:
1. Redis stopped: logging in, the dashboard, the statistics, the compliance board, an invitation
   landing and joining by a link still work; the pages that queue jobs ("recalculate now",
   "remind the teachers", confirming a roster import) answer with their usual redirect, not a
   500; /healthz says `broker: down`. Redis is started again (empty: its queues are lost) and
   the roster import confirmed meanwhile is applied by the worker once beat sends it again.
2. PostgreSQL restarted (pg_ctl restart -m fast) under bench/load.py's mix of 10 clients:
   requests fail cleanly meanwhile (503 with the Russian page, never a 500 or a traceback) and
   succeed afterwards, with the same gunicorn processes.
3. The Celery worker SIGKILLed in the middle of the statistics rollup of a region in several
   time zones: the rerun gives exactly the snapshots of an uninterrupted run.
4. The Celery worker SIGKILLed half-way through a 10,000-row roster import: no person or
   membership written, the import still queued; sent again, it is applied once.

Exit status 1 if any scenario fails; the headline `faults_passed=` is the last line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT  # noqa: E402
from load import (  # noqa: E402
    PASSWORD,
    Gunicorn,
    Load,
    RedisServer,
    Session,
    build,
    collect_static,
    free_port,
    login,
    production_env,
    wait_until,
)

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DB_NAME = f"sferum_faults_{os.getpid()}"
ZONES = ["Europe/Kaliningrad", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok"]
REGION = {"classes": 22, "staff": 60, "students": 540, "parents": 400, "invitations": 150}
results: dict[str, object] = {}
failures: list[str] = []


def figure(name: str, value, ok: bool = True) -> None:
    results[name] = value
    print(f"{name}={value}", flush=True)
    if not ok:
        failures.append(name)


# --- private services ---------------------------------------------------------------------------


class PostgresCluster:
    """A throw-away PostgreSQL cluster (trust authentication, 127.0.0.1 only)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.data = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, *args], check=True, stdout=subprocess.DEVNULL, cwd="/tmp"
        )

    def init(self) -> None:
        self.data.parent.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.data.parent, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def ctl(self, action: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", *(["-m", "fast"] if action in ("stop", "restart") else []), action,
        )  # fmt: skip

    def ready(self) -> bool:
        return (
            subprocess.run(
                [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            ).returncode
            == 0
        )


class Celery:
    """A Celery worker or beat in its own process group (so that a SIGKILL takes it whole)."""

    def __init__(self, env: dict[str, str], kind: str, log: Path) -> None:
        self.env, self.kind, self.log = env, kind, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        args = [sys.executable, "-m", "celery", "-A", "sferum_portal", self.kind]
        if self.kind == "worker":
            args += ["--pool", "prefork", "--concurrency", "1", "--without-heartbeat"]
            args += ["--without-gossip", "--without-mingle"]
        else:
            args += ["--schedule", str(self.log.with_suffix(".schedule"))]
        self.process = subprocess.Popen(
            [*args, "--loglevel", "INFO", "--logfile", str(self.log)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a power cut would: no chance to clean up."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def worker_busy() -> bool:
    """Another connection to our database runs a statement or holds a transaction open."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
        )
        return cursor.fetchone()[0] > 0


# --- 1. Redis stopped ---------------------------------------------------------------------------


def redis_down(port: int, redis: RedisServer, data, workdir: Path) -> None:
    from django.db import connections
    from import_roster import setup_institution, write_xlsx

    from roles import services as roles_services
    from roles.models import Membership, RosterImport, RosterImportStatus, User

    inst_id = data.institution_id
    director = login(port, "load-director", PASSWORD, "192.0.2.10")
    admin = login(port, "load-admin-1", PASSWORD, "192.0.2.10")
    # A roster file previewed before the outage, confirmed during it.
    school = setup_institution("Импорт во время сбоя")
    path = workdir / "small.xlsx"
    write_xlsx(
        [(f"S-{i}", "Иванов", "Пётр", "", "обучающийся", "1А", "") for i in range(1, 31)],
        path,
        random.Random(0),
    )
    preview = roles_services.preview_roster_import(
        institution=school, data=path.read_bytes(), filename=path.name, by=None
    )
    assert preview.status == RosterImportStatus.PREVIEW, preview.errors
    # The municipal operator (a superuser) confirms it.
    User.objects.create_superuser(username="fault-operator", password=PASSWORD)
    connections.close_all()

    redis.stop()
    checks: dict[str, bool] = {}
    family = Session(port, "10.99.0.1")
    checks["login_page"] = family.get("/accounts/login/").status == 200
    try:
        fresh = login(port, "load-deputy-1", PASSWORD, "192.0.2.11")
        checks["login"] = fresh.get("/").status == 200
    except SystemExit:
        checks["login"] = False
    checks["dashboard"] = admin.get("/").status == 200
    stats = director.get("/stats/")
    checks["stats"] = stats.status == 200
    board = admin.get(f"/chats/{inst_id}/board/")
    checks["board"] = board.status == 200
    token = data.personal.pop()  # used up here: later loads must not open it again
    landing = family.get(f"/invite/{token}/")
    checks["invite_landing"] = landing.status == 200
    checks["invite_join"] = (
        landing.status == 200
        and family.post_form(f"/invite/{token}/", landing, {"action": "join"}).status == 302
    )
    checks["rollup_now"] = (
        stats.status == 200 and director.post_form("/stats/rollup/", stats, {}).status == 302
    )
    checks["remind"] = (
        board.status == 200
        and admin.post_form(f"/chats/{inst_id}/board/remind/", board, {}).status == 302
    )
    school_director = login(port, "fault-operator", PASSWORD, "192.0.2.12")
    import_page = f"/structure/{school.pk}/import/{preview.pk}/"
    page = school_director.get(import_page)
    checks["import_confirm"] = (
        page.status == 200 and school_director.post_form(import_page, page, {}).status == 302
    )
    health = Session(port, "10.99.0.2").get("/healthz", Accept="application/json")
    broker = health.text.split('"broker": "')[-1].split('"')[0] if health.status == 200 else "?"
    failed = [name for name, ok in checks.items() if not ok]
    figure("redis_down_pages_checked", len(checks))
    figure("redis_down_pages_failed", ",".join(failed) or "none", not failed)
    figure("redis_down_pages_ok", int(not failed), not failed)
    figure("redis_down_healthz_status", health.status, health.status == 200)
    figure("redis_down_healthz_broker", broker, broker == "down")
    status = RosterImport.objects.get(pk=preview.pk).status
    figure("redis_down_import_status", status, status == RosterImportStatus.QUEUED)

    redis.start()  # empty: whatever was queued in it before is gone
    back = time.monotonic()
    health = Session(port, "10.99.0.3").get("/healthz")
    figure("redis_back_healthz_broker", "ok" if '"broker": "ok"' in health.text else health.text)

    def imported() -> bool:
        connections.close_all()
        return RosterImport.objects.get(pk=preview.pk).status == RosterImportStatus.DONE

    try:
        wait_until(imported, timeout=150, what="the import queued while Redis was down", interval=2)
        done = 1
    except SystemExit:
        done = 0
    people = Membership.objects.filter(unit__institution=school, role="student").count()
    figure("tasks_after_redis_back", done, done == 1)
    figure("redis_back_import_seconds", f"{time.monotonic() - back:.0f}")
    figure("redis_back_import_memberships", people, people == 30)


# --- 2. PostgreSQL restarted --------------------------------------------------------------------


def postgres_restart(server: Gunicorn, pg: PostgresCluster, data, others: list) -> None:
    pid = server.process.pid
    load = Load(server.port, data, clients=10)
    load.log_in()
    threads = load.start()
    time.sleep(5)
    restart_at = time.monotonic() - load.started
    pg.ctl("restart")
    back_at = time.monotonic() - load.started
    time.sleep(15)
    load.stop_event.set()
    for thread in threads:
        thread.join(timeout=60)

    samples = load.samples
    failed = [s for s in samples if not s.ok]
    clean = [s for s in failed if s.status == 503]
    unclean = [s for s in failed if s.status != 503]
    after = [s for s in samples if s.at > back_at + 5]
    failed_after = [s for s in after if not s.ok]
    last_failure = max((s.at + s.ms / 1000 for s in failed), default=back_at)
    figure("pg_restart_requests", len(samples))
    figure("pg_restart_seconds", f"{back_at - restart_at:.1f}")
    figure("pg_restart_errors_during", len(failed))
    figure("pg_restart_clean_503", len(clean))
    figure(
        "pg_restart_unclean_errors",
        len(unclean),
        not unclean,
    )
    if unclean:
        kinds = sorted({f"{s.page}:{s.status or s.detail}" for s in unclean})
        figure("pg_restart_unclean_kinds", ",".join(kinds))
    figure("pg_restart_requests_after", len(after), len(after) > 0)
    figure("pg_restart_errors_after", len(failed_after), not failed_after)
    figure("pg_restart_ok_after_seconds", f"{max(0.0, last_failure - back_at):.1f}")
    same = server.process.poll() is None and server.process.pid == pid
    figure("pg_restart_same_gunicorn", int(same), same)
    alive = all(p.process is not None and p.process.poll() is None for p in others)
    figure("pg_restart_worker_and_beat_alive", int(alive), alive)


def check_503_page(port: int, pg: PostgresCluster) -> None:
    """With the database stopped, a page is the Russian 503 page (not a traceback)."""
    pg.ctl("stop")
    try:
        page = Session(port, "10.98.0.1").get("/invite/whatever-token/")
        health = Session(port, "10.98.0.2").get("/healthz")
    finally:
        pg.ctl("start")
    russian = "Портал временно недоступен" in page.text and "Traceback" not in page.text
    figure("pg_down_page_status", page.status, page.status == 503)
    figure("pg_down_page_russian", int(russian), russian)
    figure("pg_down_healthz_status", health.status, health.status == 503)


# --- 3. a worker killed during the rollup -------------------------------------------------------


def snapshot_rows() -> tuple[list, list]:
    from stats.models import UnitSnapshot, UsageSnapshot

    def rows(model):
        fields = [
            f.attname for f in model._meta.concrete_fields if f.name not in ("id", "computed_at")
        ]
        return sorted(model.objects.values_list(*fields))

    return rows(UsageSnapshot), rows(UnitSnapshot)


def rollup_kill(worker: Celery) -> None:
    from django.db import connections
    from django.utils import timezone
    from rollup import generate

    from sferum_portal.celery import publish
    from stats import services as stats_services
    from stats.models import UnitSnapshot, UsageSnapshot

    # The region: schools in four time zones, so that the rollup writes in several transactions.
    for n, zone in enumerate(ZONES):
        day = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(zone)) - dt.timedelta(days=1)
        generate(6, day=day, prefix=f"Зона{n}", size=REGION, zone=zone)
    connections.close_all()
    since = timezone.now()
    started = time.perf_counter()
    stats_services.rollup()  # the uninterrupted run: the reference
    reference_seconds = time.perf_counter() - started
    reference = snapshot_rows()
    expected = UsageSnapshot.objects.filter(computed_at__gte=since).count()
    # Back to the state before last night's rollup: the rows it wrote are gone.
    UsageSnapshot.objects.filter(computed_at__gte=since).delete()
    UnitSnapshot.objects.filter(computed_at__gte=since).delete()
    connections.close_all()

    worker.start()
    publish("stats.tasks.rollup_stats")
    wait_until(worker_busy, timeout=60, what="the worker to start the rollup", interval=0.02)
    time.sleep(reference_seconds * 0.4)
    worker.kill()
    connections.close_all()
    partial = UsageSnapshot.objects.filter(computed_at__gte=since).count()
    figure("rollup_reference_seconds", f"{reference_seconds:.1f}")
    figure("rollup_rows_expected", expected)
    figure("rollup_rows_after_kill", partial)

    worker.start()  # the next hourly run
    publish("stats.tasks.rollup_stats")

    def done() -> bool:
        connections.close_all()
        complete = (UsageSnapshot.objects.count(), UnitSnapshot.objects.count()) == tuple(
            map(len, reference)
        )
        return complete and not worker_busy()

    wait_until(done, timeout=120, what="the rerun of the rollup", interval=0.5)
    identical = snapshot_rows() == reference
    figure("rollup_rerun_identical", int(identical), identical)


# --- 4. a worker killed during a roster import --------------------------------------------------


def import_kill(worker: Celery, workdir: Path) -> None:
    from django.core.cache import cache
    from django.db import connections
    from import_roster import roster_rows, setup_institution, write_xlsx

    from roles import services as roles_services
    from roles.models import Membership, Person, RosterImport, RosterImportStatus

    school = setup_institution("Большой импорт")
    rows = roster_rows(random.Random(1))
    path = workdir / "roster.xlsx"
    write_xlsx(rows, path, random.Random(2))
    preview = roles_services.preview_roster_import(
        institution=school, data=path.read_bytes(), filename=path.name, by=None
    )
    assert preview.status == RosterImportStatus.PREVIEW, preview.errors[:3]

    def counts() -> tuple[int, int]:
        connections.close_all()
        return (
            Person.objects.filter(institution=school).count(),
            Membership.objects.filter(unit__institution=school).count(),
        )

    before = counts()
    worker.start()
    roles_services.start_roster_import(roster_import=preview, by=None)  # sent on commit
    key = f"roster-import:{preview.pk}:done"
    wait_until(
        lambda: (cache.get(key) or 0) > len(rows) // 3,
        timeout=180,
        what="import half-way",
        interval=0.05,
    )
    progress = cache.get(key) or 0
    worker.kill()
    time.sleep(1)  # the server notices the lost connection and rolls its transaction back
    after_kill = counts()
    status = RosterImport.objects.get(pk=preview.pk).status
    written = (after_kill[0] - before[0]) + (after_kill[1] - before[1])
    figure("import_rows", len(rows))
    figure("import_progress_at_kill", progress)
    figure("import_kill_rows_written", written, written == 0)
    figure("import_kill_status", status, status == RosterImportStatus.QUEUED)

    worker.start()
    sent = roles_services.redispatch_queued_imports(older_than=dt.timedelta(0))

    def done() -> bool:
        connections.close_all()
        return RosterImport.objects.get(pk=preview.pk).status != RosterImportStatus.QUEUED

    wait_until(done, timeout=300, what="the import sent again", interval=1)
    final = RosterImport.objects.get(pk=preview.pk)
    people = counts()[0] - before[0]
    figure("import_redispatched", sent, sent == 1)
    figure("import_rerun_status", final.status, final.status == RosterImportStatus.DONE)
    figure("import_rerun_people", people, people == len(rows))


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="sferum-faults-"))
    workdir.chmod(0o711)  # the postgres user must reach its data directory inside
    pg = PostgresCluster(workdir / "pg")
    redis = RedisServer()
    processes: list = []
    try:
        pg.init()
        pg.ctl("start")
        subprocess.run(
            [
                "psql",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(pg.port),
                "-U",
                "postgres",
                "-c",
                f"CREATE DATABASE {DB_NAME}",
            ],
            check=True,
        )
        redis.start()
        env = production_env(pg.url(DB_NAME), redis.url(0), redis.url(1))
        env["MEDIA_ROOT"] = str(workdir / "media")
        # Jobs lost while the broker was down are sent again at beat's next minute.
        env["JOB_REDISPATCH_AFTER_MINUTES"] = "0"
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        data = build()
        collect_static()
        connections.close_all()
        env = dict(os.environ)

        server = Gunicorn(env, workers=2, log=workdir / "gunicorn.log")
        worker = Celery(env, "worker", workdir / "worker.log")
        beat = Celery(env, "beat", workdir / "beat.log")
        processes += [server, worker, beat]
        server.start()
        worker.start()
        beat.start()

        scenarios = [
            ("redis", lambda: redis_down(server.port, redis, data, workdir)),
            (
                "postgres",
                lambda: (
                    postgres_restart(server, pg, data, [worker, beat]),
                    check_503_page(server.port, pg),
                ),
            ),
            ("rollup", lambda: (beat.stop(), worker.stop(), rollup_kill(worker))),
            ("import", lambda: (worker.stop(), import_kill(worker, workdir))),
        ]
        for name, scenario in scenarios:
            connections.close_all()  # the bench's own connection may not have survived
            try:
                scenario()
            except BaseException as exc:  # a scenario that crashes is a failed one
                traceback.print_exc()
                figure(f"{name}_crashed", type(exc).__name__, False)
    finally:
        for process in reversed(processes):
            process.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if pg.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                pg.ctl("stop")
        redis.stop()
        if failures:
            for log in ("gunicorn.log", "worker.log", "beat.log"):
                if (workdir / log).exists():
                    print(f"--- {log} (tail) ---", file=sys.stderr)
                    print((workdir / log).read_text(errors="replace")[-4000:], file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"failed={','.join(failures) or 'none'}")
    print(f"faults_passed={'yes' if not failures else 'no'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
