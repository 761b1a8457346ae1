"""Benchmark: the main pages' fixed cost — queries, median times, big/small, dashboard vs /healthz.

    .venv/bin/python bench/pages.py [--requests 20] [--seconds 10] [--region 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pages.py

Works in a fresh database on the server DATABASE_URL names (SQLite: a temporary file; the figures
that count are PostgreSQL's). Two institutions built by bench/rollup.py's generator: a big one of
about 2,000 people (120 staff, 1,100 students in 40 classes, 700 parents) and a small one of
about 100 (12 staff, 60 students in 4 classes, 30 parents); in each the director, an
administrator appointed by order, a verified teacher and a parent have logins, there are open
to-do items, a channel with posts, and a week of statistics rolled up.

1. For the ten main pages (the dashboard of each role, the people list, the invitations, the
   compliance board, my chats, /stats/, the channel feed, a person's page, the to-do list and an
   invitation landing) of each institution, through the test client with DEBUG=0 and the cache
   on Redis as in production: the number of SQL queries of one request (after a first request
   that warms the caches), the median time of `--requests` requests, and the ratio big/small.
   The dashboard and the board are kept in the cache until the institution's rows change
   (issue 17): `dashboard_admin_afresh_*` and `board_afresh_*` time them read afresh, the
   institution's stamp moved on before each request as a change does.
2. The portal under gunicorn (3 sync workers, DEBUG=0, CONN_MAX_AGE=60, Redis): 50 concurrent
   clients (`--clients`) ask for /healthz for `--seconds` seconds, then the administrator's
   dashboard for as long; requests per second of each and their ratio.
3. The region: `--region` institutions of rollup.py's size (1,000 people, ~1,240 memberships
   each) are added with bulk_create, as many as fit in `--region-seconds` (default 180 s; the
   number built is printed), and the administrator's dashboard of the big and the small
   institution is timed again: its big/small ratio there, viewed again and read afresh.

`--profile PATH` writes a pyinstrument profile (text) of one dashboard request of the big
institution's administrator to PATH (needs pyinstrument). Output is `name=value` lines; the
headline `dashboard_to_healthz_rps=` is the last line. Targets: each page at most 10 queries
and the same count for both institutions, medians big/small at most 1.3 (in the region too),
the headline at least 0.3 with 0 errors.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import configure_database  # noqa: E402

BIG = {"classes": 40, "staff": 120, "students": 1_100, "parents": 700, "invitations": 150}
SMALL = {"classes": 4, "staff": 12, "students": 60, "parents": 30, "invitations": 20}
STATS_DAYS = 7
PASSWORD = "pages-bench-password-1"
MAX_QUERIES = 10
TARGET_RATIO = 1.3
TARGET_RPS_RATIO = 0.3
WORKERS = 3
REGION_BATCH = 25


def build_institution(prefix: str, size: dict, day: dt.date) -> dict:
    """One institution with logins for four roles, to-do items, a channel with posts, a link."""
    from rollup import generate

    from channels_app.models import Audience, Channel, Post, PostState
    from invitations import services as invitation_services
    from roles import services as roles_services
    from roles.models import (
        Membership,
        Person,
        PersonKind,
        Role,
        TodoItem,
        TodoKind,
        User,
        Verification,
    )

    (inst,), _written = generate(1, day=day, prefix=prefix, size=size)

    def with_login(person: Person, name: str) -> User:
        user = User.objects.create_user(
            username=name, password=PASSWORD, first_name=person.first_name
        )
        Person.objects.filter(pk=person.pk).update(user=user)
        return user

    staff = list(
        Person.objects.filter(institution=inst, kind=PersonKind.STAFF).order_by("external_id")
    )
    director = with_login(staff[0], f"{prefix}-director")
    verified = [
        p
        for p in staff[3:]
        if Membership.objects.filter(
            person=p, role=Role.TEACHER, verification=Verification.VERIFIED
        ).exists()
    ]
    admin_person, teacher_person = verified[0], verified[1]
    admin = with_login(admin_person, f"{prefix}-admin")
    admin_person.refresh_from_db()
    roles_services.appoint_admin(
        institution=inst,
        person=admin_person,
        order_number="1-од",
        order_date=dt.date(2025, 9, 1),
        by=director,
        start_date=dt.date(2025, 9, 1),
    )
    teacher = with_login(teacher_person, f"{prefix}-teacher")
    parent_person = (
        Person.objects.filter(institution=inst, kind=PersonKind.PARENT).order_by("pk").first()
    )
    parent = with_login(parent_person, f"{prefix}-parent")
    student = (
        Person.objects.filter(institution=inst, kind=PersonKind.STUDENT).order_by("pk").first()
    )
    TodoItem.objects.bulk_create(
        TodoItem(
            institution=inst, kind=TodoKind.OTHER, title=f"Дело {n}", person=student, unit=None
        )
        for n in range(15)
    )
    channel = Channel.objects.create(institution=inst, name="Новости", audience=Audience.EVERYONE)
    now = dt.datetime.now(dt.UTC)
    Post.objects.bulk_create(
        Post(
            institution=inst,
            channel=channel,
            title=f"Новость {n}",
            body="Текст новости. " * 20,
            author=admin,
            state=PostState.PUBLISHED if n % 4 else PostState.SUBMITTED,
            published_at=now - dt.timedelta(hours=n) if n % 4 else None,
        )
        for n in range(25)
    )
    unit = inst.units.filter(kind="class").order_by("pk").first()
    _invitation, token = invitation_services.create_invitation(
        unit=unit, role=Role.STUDENT, created_by=admin, max_uses=None, needs_approval=False
    )
    return {
        "institution": inst,
        "users": {"admin": admin, "director": director, "teacher": teacher, "parent": parent},
        "student": student,
        "token": token,
        "people": Person.objects.filter(institution=inst).count(),
    }


def pages_of(built: dict) -> dict[str, tuple[str | None, str]]:
    """page name -> (the role that opens it, or None for a family without a login; its path)."""
    i = built["institution"].pk
    return {
        "dashboard_admin": ("admin", "/"),
        "dashboard_director": ("director", "/"),
        "dashboard_teacher": ("teacher", "/"),
        "dashboard_parent": ("parent", "/"),
        "people": ("admin", f"/structure/{i}/people/"),
        "invitations": ("admin", f"/invitations/{i}/"),
        "board": ("admin", f"/chats/{i}/board/"),
        "my_chats": ("teacher", f"/chats/{i}/my/"),
        "stats": ("admin", "/stats/"),
        "channel_feed": ("parent", f"/channels/{i}/"),
        "person": ("admin", f"/structure/{i}/people/{built['student'].pk}/"),
        "todos": ("admin", f"/structure/{i}/todo/"),
        "invite_landing": (None, f"/invite/{built['token']}/"),
    }


def clients_of(built: dict) -> dict:
    from django.test import Client

    clients = {None: Client(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.1.1.1")}
    for role, user in built["users"].items():
        client = Client(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="192.0.2.10")
        client.force_login(user)
        clients[role] = client
    return clients


@contextlib.contextmanager
def counting():
    """The SQL statements run meanwhile (with DEBUG=0 too), counted as they reach the driver."""
    from django.db import connection

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield queries


_households = itertools.count(1)


def measure(
    clients: dict, role: str | None, path: str, requests: int, *, afresh: int | None = None
) -> tuple[int, float]:
    """(queries of one request, median ms over `requests`) after a warming request. A family
    without a login (the landing) comes from an address of its own each time, as families do:
    the landing's per-address rate limit is never what is measured. `afresh`: an institution
    whose stamp is moved on before each request (as a change does), so that nothing the page
    keeps in the cache under it is found."""
    client = clients[role]
    touch = None
    if afresh is not None:
        with contextlib.suppress(ImportError):  # before pages were kept in the cache
            from roles.freshness import touch

    def get():
        n = next(_households)
        address = (
            {} if role else {"REMOTE_ADDR": f"10.{n // 65025 % 250 + 1}.{n // 255 % 255}.{n % 255}"}
        )
        response = client.get(path, secure=True, **address)
        if response.status_code != 200:
            raise SystemExit(f"{path} as {role} answered {response.status_code}")

    get()
    if touch is not None:
        touch([afresh])
    with counting() as queries:
        get()
    times = []
    for _n in range(requests):
        if touch is not None:
            touch([afresh])
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    return queries[0], statistics.median(times)


def profile(clients: dict, path: Path) -> None:
    from pyinstrument import Profiler

    client = clients["admin"]
    client.get("/", secure=True)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _n in range(20):
        client.get("/", secure=True)
    profiler.stop()
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))


def throughput(port: int, path: str, session, *, clients: int, seconds: float) -> dict:
    """`clients` threads asking for `path` back to back for `seconds`: requests/s and errors."""
    import http.client

    from load import Session

    done, errors = [0], [0]
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        mine = Session(port, f"10.9.{n // 200}.{n % 200 + 1}", dict(session.cookies))
        while not stop.is_set():
            try:
                ok = mine.get(path).status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            with lock:
                done[0] += 1
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    return {"requests": done[0], "errors": errors[0], "rps": done[0] / elapsed}


def build_region(day: dt.date, count: int, budget: float) -> tuple[int, int, float]:
    """Up to `count` institutions of rollup.py's size, in batches, within `budget` seconds."""
    from rollup import generate

    from roles.models import Membership

    started, built = time.perf_counter(), 0
    while built < count and time.perf_counter() - started < budget:
        n = min(REGION_BATCH, count - built)
        generate(n, day=day, prefix=f"Регион{built}")
        built += n
    return built, Membership.objects.count(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=int(os.environ.get("PAGES_REQUESTS", 20)))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("PAGES_SECONDS", 10)))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("PAGES_CLIENTS", 50)))
    parser.add_argument("--region", type=int, default=int(os.environ.get("PAGES_REGION", 1000)))
    parser.add_argument(
        "--region-seconds", type=float, default=float(os.environ.get("PAGES_REGION_SECONDS", 180))
    )
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()

    from load import Gunicorn, RedisServer, collect_static, login, production_env

    description, cleanup = configure_database()
    redis = None
    cache_url = os.environ.get("CACHE_URL", "").replace("rediscache://", "redis://", 1)
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if not (cache_url.startswith("redis") and broker_url):
        redis = RedisServer()
        redis.start()
        cache_url, broker_url = redis.url(0), redis.url(1)
    os.environ.update(production_env(os.environ["DATABASE_URL"], cache_url, broker_url))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    workdir = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    server = None
    try:
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection, connections
        from django.utils import timezone
        from rollup import ZONE

        from stats import services as stats_services

        call_command("migrate", verbosity=0)
        cache.clear()
        day = timezone.localdate(timezone.now(), zoneinfo.ZoneInfo(ZONE)) - dt.timedelta(days=1)
        started = time.perf_counter()
        big = build_institution("big", BIG, day)
        small = build_institution("small", SMALL, day)
        stats_services.rollup_range(start=day - dt.timedelta(days=STATS_DAYS - 1), end=day)
        collect_static()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        build_seconds = time.perf_counter() - started

        print(f"database={connection.vendor}")
        print(f"database_detail={description}")
        print(f"people_big={big['people']}")
        print(f"people_small={small['people']}")
        print(f"build_seconds={build_seconds:.1f}")
        print(f"requests_per_page={args.requests}")

        big_clients, small_clients = clients_of(big), clients_of(small)
        worst_queries, worst_ratio, same_counts = 0, 0.0, True
        for page, (role, big_path) in pages_of(big).items():
            small_path = pages_of(small)[page][1]
            big_q, big_ms = measure(big_clients, role, big_path, args.requests)
            small_q, small_ms = measure(small_clients, role, small_path, args.requests)
            ratio = big_ms / small_ms
            worst_queries = max(worst_queries, big_q, small_q)
            worst_ratio = max(worst_ratio, ratio)
            same_counts = same_counts and big_q == small_q
            print(f"{page}_queries_big={big_q}")
            print(f"{page}_queries_small={small_q}")
            print(f"{page}_median_ms_big={big_ms:.1f}")
            print(f"{page}_median_ms_small={small_ms:.1f}")
            print(f"{page}_big_to_small={ratio:.2f}")
        # The pages kept in the cache, read afresh (just after a change): what they cost then.
        for page in ("dashboard_admin", "board"):
            role, big_path = pages_of(big)[page]
            small_path = pages_of(small)[page][1]
            big_inst, small_inst = big["institution"].pk, small["institution"].pk
            big_q, big_ms = measure(big_clients, role, big_path, args.requests, afresh=big_inst)
            small_q, small_ms = measure(
                small_clients, role, small_path, args.requests, afresh=small_inst
            )
            print(f"{page}_afresh_queries_big={big_q}")
            print(f"{page}_afresh_queries_small={small_q}")
            print(f"{page}_afresh_median_ms_big={big_ms:.1f}")
            print(f"{page}_afresh_median_ms_small={small_ms:.1f}")
            print(f"{page}_afresh_big_to_small={big_ms / small_ms:.2f}")
        print(f"max_queries={worst_queries}")
        print(f"same_queries_big_and_small={'yes' if same_counts else 'no'}")
        print(f"max_big_to_small={worst_ratio:.2f}")
        if args.profile:
            profile(big_clients, args.profile)
            print(f"profile={args.profile}")

        connections.close_all()
        server = Gunicorn(dict(os.environ), workers=WORKERS, log=workdir / "gunicorn.log")
        server.start()
        admin = big["users"]["admin"].username
        session = login(server.port, admin, PASSWORD, "192.0.2.10")
        for path in ("/healthz", "/"):  # every worker warmed up
            throughput(server.port, path, session, clients=args.clients, seconds=1)
        healthz = throughput(
            server.port, "/healthz", session, clients=args.clients, seconds=args.seconds
        )
        dashboard = throughput(
            server.port, "/", session, clients=args.clients, seconds=args.seconds
        )
        server.stop()
        server = None
        rps_ratio = dashboard["rps"] / healthz["rps"]
        print(f"gunicorn_workers={WORKERS}")
        print(f"clients={args.clients}")
        print(f"seconds_each={args.seconds:.0f}")
        print(f"healthz_rps={healthz['rps']:.1f}")
        print(f"healthz_errors={healthz['errors']}")
        print(f"dashboard_rps={dashboard['rps']:.1f}")
        print(f"dashboard_errors={dashboard['errors']}")

        region_met = True
        if args.region:
            built, memberships, seconds = build_region(day, args.region, args.region_seconds)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            cache.clear()
            big_clients, small_clients = clients_of(big), clients_of(small)
            _q, big_ms = measure(big_clients, "admin", "/", args.requests)
            _q, small_ms = measure(small_clients, "admin", "/", args.requests)
            region_ratio = big_ms / small_ms
            _q, big_afresh = measure(
                big_clients, "admin", "/", args.requests, afresh=big["institution"].pk
            )
            _q, small_afresh = measure(
                small_clients, "admin", "/", args.requests, afresh=small["institution"].pk
            )
            region_met = region_ratio <= TARGET_RATIO
            print(f"region_institutions={built + 2}")
            print(f"region_memberships={memberships}")
            print(f"region_build_seconds={seconds:.0f}")
            print(f"region_dashboard_median_ms_big={big_ms:.1f}")
            print(f"region_dashboard_median_ms_small={small_ms:.1f}")
            print(f"region_dashboard_big_to_small={region_ratio:.2f}")
            print(f"region_dashboard_afresh_median_ms_big={big_afresh:.1f}")
            print(f"region_dashboard_afresh_median_ms_small={small_afresh:.1f}")
            print(f"region_dashboard_afresh_big_to_small={big_afresh / small_afresh:.2f}")

        met = (
            worst_queries <= MAX_QUERIES
            and same_counts
            and worst_ratio <= TARGET_RATIO
            and region_met
            and rps_ratio >= TARGET_RPS_RATIO
            and healthz["errors"] == 0
            and dashboard["errors"] == 0
        )
        print(f"target_met={'yes' if met else 'no'}")
        print(f"dashboard_to_healthz_rps={rps_ratio:.3f}")
    finally:
        if server is not None:
            server.stop()
        if redis is not None:
            redis.stop()
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
