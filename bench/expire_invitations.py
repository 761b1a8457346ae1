"""Benchmark: the expiry job over 100,000 invitation links, half of them stale.

    .venv/bin/python bench/expire_invitations.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/expire_invitations.py

Works in a fresh database on the server DATABASE_URL names (SQLite: a temporary file). Of the
links, a quarter are past their expiry, a quarter unused for longer than the institution's
14 days, and half fresh. The job runs twice: the first run does the work (headline
`expire_seconds`), the second must find nothing to do. Target on PostgreSQL: under 5 s.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_benchmark  # noqa: E402

TOTAL = 100_000
TARGET_SECONDS = 5.0


def main() -> None:
    run_benchmark(run)


def run(description: str) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from invitations import services
    from invitations.models import Invitation, Status
    from roles import services as roles_services
    from roles.models import Role, UnitKind

    call_command("migrate", verbosity=0)
    institution = roles_services.create_institution(name="Бенчмарк", short_name="Б")
    units = [
        roles_services.create_unit(institution=institution, kind=UnitKind.CLASS, name=f"{n}А")
        for n in range(1, 41)
    ]
    now = timezone.now()
    started = time.perf_counter()
    rows = []
    for i in range(TOTAL):
        kind = i % 4
        if kind == 0:  # past its expiry
            created, expires = now - dt.timedelta(days=10), now - dt.timedelta(days=3)
        elif kind == 1:  # never used, issued three weeks ago, valid for 90 days
            created, expires = now - dt.timedelta(days=21), now + dt.timedelta(days=69)
        else:  # fresh
            created, expires = now - dt.timedelta(days=1), now + dt.timedelta(days=6)
        rows.append(
            Invitation(
                institution=institution,
                unit=units[i % len(units)],
                role=Role.STUDENT,
                token_hash=services.hash_token(f"bench-{i}"),
                max_uses=1,
                created_at=created,
                expires_at=expires,
            )
        )
    Invitation.objects.bulk_create(rows, batch_size=5000)
    generate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    changed = services.expire_invitations(now=now)
    expire_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = services.expire_invitations(now=now)
    rerun_seconds = time.perf_counter() - started

    revoked = Invitation.objects.with_status(Status.REVOKED, now).count()
    active = Invitation.objects.with_status(Status.ACTIVE, now).count()
    print(f"database={connection.vendor}")
    print(f"database_detail={description}")
    print(f"invitations={TOTAL}")
    print(f"generate_seconds={generate_seconds:.2f}")
    print(f"changed_first_run={changed}")
    print(f"changed_second_run={second}")
    print(f"annulled_unclaimed={revoked}")
    print(f"still_active={active}")
    print(f"rerun_seconds={rerun_seconds:.2f}")
    print(f"target_met={'yes' if expire_seconds < TARGET_SECONDS and second == 0 else 'no'}")
    print(f"expire_seconds={expire_seconds:.2f}")


if __name__ == "__main__":
    main()
