"""Benchmark: the compliance board against the one-query limit, and `/stats/region/` by size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/board.py

Works in a fresh database on the server DATABASE_URL names (SQLite: a temporary file). The
institutions of the board are those of bench/compliance.py: a large one (300 classes, 150
verified teachers, 20 departments, 1,000 chats) and a small one (3 classes).

- The board: an administrator GETs `/chats/<id>/board/` through django.test.Client (a warm-up,
  then the median of 7, the two institutions alternating), counting the SQL queries. The
  "one-query limit" is the median time of a single SQL statement that computes the same
  requirement rows of the large institution (each unit's required chats and whether each is
  present), with nothing else: the floor a page that computes in the database can approach.
  The board's own work (its selector without the request: totals, one page of rows, who
  has missing chats) is timed as well, against the same limit, read afresh. The page is kept
  in the cache under the institution's stamp (issue 17): the medians above are of a page
  viewed again; `board_*_ms_afresh` are of the page just after a change (the stamp moved on).
- `/stats/region/`: a superuser GETs the operator's page with 20 institutions, then with
  1,000 (a snapshot of yesterday each), median of 5: time, bytes, and the number of
  institutions the page lists (paged: fewer than all).

Output is `name=value` lines; the headline `board_vs_one_query=` (the large board's time over
the one-query limit; target at most 3) is the last line. Other targets: at most 10 queries, the
same for the large and the small board, a time ratio large/small at most 1.3, and a paged
region page. Unless DEBUG is set, it runs with DEBUG=0 as in production.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_benchmark  # noqa: E402

RUNS = 7
REGION_RUNS = 5
REGION_SIZES = (20, 1_000)
TARGETS = {"queries": 10, "large_small": 1.3, "one_query": 3.0}

# The requirement rows of one institution in one statement (the institution's own three rows
# are constants: they need no query).
ONE_QUERY = """
WITH units AS (
    SELECT u.id, u.kind, u.name, u.academic_year,
        (SELECT COUNT(*) FROM roles_membership m WHERE m.unit_id = u.id AND m.role = 'teacher'
            AND m.start_date <= %(today)s AND (m.end_date IS NULL OR m.end_date > %(today)s))
            AS teachers,
        (SELECT COUNT(*) FROM roles_membership m WHERE m.unit_id = u.id AND m.role = 'teacher'
            AND m.verification = 'verified'
            AND m.start_date <= %(today)s AND (m.end_date IS NULL OR m.end_date > %(today)s))
            AS verified
    FROM roles_unit u
    WHERE u.institution_id = %(institution)s AND u.archived_at IS NULL
        AND u.kind IN ('class', 'department')
), kinds(kind, scope, position) AS (
    VALUES ('class_students', 'class', 1), ('class_parents', 'class', 2),
        ('department_teachers', 'department', 3)
)
SELECT un.id, un.name, k.kind, EXISTS(
        SELECT 1 FROM chats_chat c
        WHERE c.unit_id = un.id AND c.kind = k.kind AND c.archived_at IS NULL
    ) AS met
FROM units un JOIN kinds k ON k.scope = un.kind
WHERE (un.kind = 'class' AND un.verified > 0) OR (un.kind = 'department' AND un.teachers > 0)
ORDER BY un.kind, un.name, un.academic_year, k.position
"""


def main() -> None:
    run_benchmark(run)


def timed_get(client, url: str) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, secure=True)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, len(captured), response


def one_query_ms(institution) -> tuple[float, int]:
    from django.db import connection

    params = {"today": institution.local_today(), "institution": institution.pk}
    times, rows = [], 0
    with connection.cursor() as cursor:
        for _ in range(RUNS + 1):
            started = time.perf_counter()
            cursor.execute(ONE_QUERY, params)
            rows = len(cursor.fetchall())
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:]), rows


def selector_ms(institution) -> float:
    """The board's own work without the request (its totals, one page of rows, who has
    missing chats): `chats.selectors.board`, or before it `compliance` paged in Python. Read
    afresh each time: the institution's stamp is moved on first (what a change does)."""
    from chats import selectors

    try:
        from roles.freshness import touch
    except ImportError:  # before the board was kept in the cache
        touch = None
    times = []
    for _ in range(RUNS + 1):
        if touch is not None:
            touch([institution.pk])
        started = time.perf_counter()
        if hasattr(selectors, "board"):
            board = selectors.board(institution)
            board.totals_loaded()
            list(board[0:50])
            board.teachers(30)
        else:
            board = selectors.compliance(institution)
            board.rows[0:50]
            board.teachers()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])


def region_institutions(count: int) -> None:
    """Institutions with a snapshot of yesterday each, up to `count` in all."""
    from django.utils import timezone

    from roles.models import Institution
    from stats.models import UsageSnapshot

    have = Institution.objects.count()
    if have < count:
        Institution.objects.bulk_create(
            Institution(name=f"Школа № {n}", short_name=f"Школа № {n}")
            for n in range(have + 1, count + 1)
        )
    day = timezone.localdate() - dt.timedelta(days=1)
    missing = Institution.objects.exclude(usage_snapshots__day=day)
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(
            institution_id=pk,
            day=day,
            teachers_total=40 + pk % 30,
            teachers_joined=20 + pk % 20,
            teachers_verified=10 + pk % 25,
            students_total=500 + pk % 300,
            students_joined=pk % 500,
            parents_total=700,
            parents_joined=pk % 700,
            classes_total=30,
            classes_with_chats=pk % 31,
            students_in_chats=pk % 400,
            parents_in_chats=pk % 600,
        )
        for pk in missing.values_list("pk", flat=True)
    )


def measure_region(client) -> dict:
    from django.urls import reverse

    url = reverse("stats:region")
    timed_get(client, url)  # warm-up
    times, counts, response = [], [], None
    for _ in range(REGION_RUNS):
        ms, queries, response = timed_get(client, url)
        times.append(ms)
        counts.append(queries)
    shown = len(re.findall(rb"<tr", response.content)) - 1  # less the header
    return {"ms": statistics.median(times), "bytes": len(response.content), "shown": shown,
            "queries": max(counts)}  # fmt: skip


def run(description: str) -> None:
    from compliance import LARGE, SMALL, build
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from roles.models import Institution, User

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no STATIC_ROOT
    call_command("migrate", verbosity=0)
    large, large_admin = build("Большое учреждение", LARGE)
    small, small_admin = build("Малое учреждение", SMALL)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
        clients = {}
        for name, institution, admin in (("large", large, large_admin),
                                         ("small", small, small_admin)):  # fmt: skip
            client = Client()
            client.force_login(admin)
            url = reverse("chats:board", args=[institution.pk])
            timed_get(client, url)  # warm-up
            clients[name] = (client, url)
        board = {"large": [], "small": []}
        queries = {"large": 0, "small": 0}
        sizes = {}
        for _ in range(RUNS):
            for name, (client, url) in clients.items():
                ms, count, response = timed_get(client, url)
                board[name].append(ms)
                queries[name] = max(queries[name], count)
                sizes[name] = len(response.content)
        # The page read afresh: after a change (the stamp moved on), nothing of it is kept.
        afresh = {"large": [], "small": []}
        try:
            from roles.freshness import touch
        except ImportError:
            touch = None
        if touch is not None:
            for _ in range(RUNS):
                for name, (client, url) in clients.items():
                    touch([(large if name == "large" else small).pk])
                    afresh[name].append(timed_get(client, url)[0])
        limit_ms, limit_rows = one_query_ms(large)
        own = {"large": selector_ms(large), "small": selector_ms(small)}

        superuser = User.objects.create_user(username="operator", is_superuser=True, is_staff=True)
        region_client = Client()
        region_client.force_login(superuser)
        region = {}
        for count in REGION_SIZES:
            region_institutions(count)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            region[count] = measure_region(region_client)

    large_ms = statistics.median(board["large"])
    small_ms = statistics.median(board["small"])
    print(f"database={connection.vendor}")
    print(f"database_detail={description}")
    print(f"board_large_classes={LARGE['classes']}")
    print(f"board_small_classes={SMALL['classes']}")
    print(f"one_query_rows={limit_rows}")
    print(f"board_large_kb={sizes['large'] / 1024:.0f}")
    print(f"board_small_kb={sizes['small'] / 1024:.0f}")
    print(f"board_large_queries={queries['large']}")
    print(f"board_small_queries={queries['small']}")
    print(f"board_small_ms={small_ms:.1f}")
    print(f"board_large_ms={large_ms:.1f}")
    print(f"board_large_small_ratio={large_ms / small_ms:.2f}")
    if afresh["large"]:
        print(f"board_small_ms_afresh={statistics.median(afresh['small']):.1f}")
        print(f"board_large_ms_afresh={statistics.median(afresh['large']):.1f}")
        print(
            "board_large_small_ratio_afresh="
            f"{statistics.median(afresh['large']) / statistics.median(afresh['small']):.2f}"
        )
    print(f"one_query_ms={limit_ms:.1f}")
    print(f"board_selector_small_ms={own['small']:.1f}")
    print(f"board_selector_large_ms={own['large']:.1f}")
    print(f"board_selector_vs_one_query={own['large'] / limit_ms:.2f}")
    for count, result in region.items():
        print(f"region_{count}_ms={result['ms']:.1f}")
        print(f"region_{count}_kb={result['bytes'] / 1024:.0f}")
        print(f"region_{count}_queries={result['queries']}")
        print(f"region_{count}_shown={result['shown']}")
    total = Institution.objects.count()
    paged = region[REGION_SIZES[-1]]["shown"] < total
    print(f"region_institutions={total}")
    print(f"region_paged={'yes' if paged else 'no'}")
    met = (
        queries["large"] == queries["small"] <= TARGETS["queries"]
        and large_ms / small_ms <= TARGETS["large_small"]
        and large_ms / limit_ms <= TARGETS["one_query"]
        and paged
    )
    print(f"target_met={'yes' if met else 'no'}")
    print(f"board_vs_one_query={large_ms / limit_ms:.2f}")


if __name__ == "__main__":
    main()
