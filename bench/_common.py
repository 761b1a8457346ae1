"""What every benchmark shares: a fresh database on the server that DATABASE_URL names."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def configure_database() -> tuple[str, Callable[[], None]]:
    """Point DATABASE_URL at a fresh database; return (a description, the cleanup)."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlsplit(url).scheme
    if not url or scheme.startswith("sqlite"):
        directory = tempfile.mkdtemp(prefix="bench-db-")
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
        return "sqlite (temporary file)", lambda: shutil.rmtree(directory, ignore_errors=True)
    if scheme not in ("postgres", "postgresql", "pgsql", "psql"):
        raise SystemExit(f"Unsupported DATABASE_URL scheme: {scheme}")

    import psycopg2
    from psycopg2 import sql

    server_url = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))  # libpq's spelling
    # BENCH_DATABASE_PREFIX: for a machine where each user keeps to their own database names.
    name = f"{os.environ.get('BENCH_DATABASE_PREFIX', 'bench')}_{os.getpid()}"

    def on_server(statement) -> None:
        connection = psycopg2.connect(server_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    on_server(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        on_server(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    return f"postgresql (database {name})", drop


def configure_django() -> None:
    """The settings a benchmark runs with where the environment does not say otherwise: DEBUG=0
    as in production, a throwaway secret key, a local portal address, warnings only."""
    defaults = {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        "PORTAL_BASE_URL": "http://localhost",
        "ALLOWED_HOSTS": "localhost,testserver",
        "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def run_benchmark(run: Callable[[str], None]) -> None:
    """A benchmark's main: a fresh database (`configure_database`), its settings
    (`configure_django`), Django set up, `run(description of the database)`, the database
    dropped afterwards whatever happened."""
    description, cleanup = configure_database()
    configure_django()
    import django

    django.setup()
    try:
        run(description)
    finally:
        cleanup()
