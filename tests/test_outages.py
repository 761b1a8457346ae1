"""The portal while one of its services is down: Redis (the cache) or the database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from invitations import services as invitation_services
from roles.models import Role
from sferum_portal.cache import ResilientRedisCache

ROOT = Path(__file__).resolve().parent.parent
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_the_cache_is_a_miss_while_redis_is_unreachable():
    dead = ResilientRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 1}})

    assert dead.get("key", "default") == "default"
    assert dead.add("key", 1) is False
    dead.set("key", 1)
    assert dead.get_many(["key"]) == {}
    assert dead.delete("key") is False
    with pytest.raises(ValueError):
        dead.incr("key")  # as for a missing key


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "sferum_portal.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield
    cache.close()


def test_an_invitation_opens_while_redis_is_down(redis_down, client, klass, admin_user):
    invitation, token = invitation_services.create_invitation(
        unit=klass, role=Role.STUDENT, created_by=admin_user, max_uses=None
    )

    response = client.get(f"/invite/{token}/")

    assert response.status_code == 200
    assert str(klass) in response.content.decode()


def test_the_statistics_open_while_redis_is_down(redis_down, institution):
    from .conftest import login
    from .factories import make_member

    client = login(make_member(institution, Role.DIRECTOR).user)

    assert client.get("/stats/").status_code == 200


PAGE_PROBE = (
    "import django, json; django.setup(); from django.test import Client; "
    "c = Client(raise_request_exception=False); "
    "r = c.get('/invite/some-token/', secure=True); "
    "j = c.get('/invite/some-token/', secure=True, HTTP_ACCEPT='application/json'); "
    "print(r.status_code, r['Retry-After'], 'недоступен' in r.content.decode(), "
    "j.status_code, json.loads(j.content)['db'])"
)


def test_a_page_is_503_in_russian_while_the_database_is_unreachable():
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/unreachable",
        "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "outage-test-only-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver",
        "PORTAL_BASE_URL": "https://testserver",
        "CACHE_URL": "locmemcache://",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", PAGE_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["503", "30", "True", "503", "down"], (
        result.stdout + result.stderr
    )


def test_a_session_lost_with_the_database_is_a_503_not_a_400(rf):
    """Django reports a session it could not save as "interrupted" (400); when the cause is
    the database going away, the page says "try again shortly" instead."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.exceptions import SessionInterrupted
    from django.db import OperationalError

    from sferum_portal.views import bad_request

    def save_session():
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            raise UpdateError  # noqa: B904 (as the database session store does)

    try:
        try:
            save_session()
        except UpdateError:
            raise SessionInterrupted("session deleted")  # noqa: B904 (as SessionMiddleware)
    except SessionInterrupted as exc:
        interrupted = exc

    response = bad_request(rf.get("/stats/"), interrupted)

    assert response.status_code == 503
    assert "Портал временно недоступен" in response.content.decode()


def test_the_invitation_rate_limit_still_limits_while_redis_is_down(
    redis_down, client, klass, admin_user, settings
):
    import time

    settings.INVITE_RATE_LIMIT_PER_MINUTE = 3
    _invitation, token = invitation_services.create_invitation(
        unit=klass, role=Role.TEACHER, created_by=admin_user
    )
    if 60 - time.time() % 60 < 5:  # the window is the clock minute: do not straddle it
        time.sleep(6)
    codes = [client.get(f"/invite/{token}/", REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    health = client.get("/healthz").json()
    assert (health["cache"], health["rate_limit"]) == ("down", "per-process")


def test_healthz_says_the_rate_limits_are_shared_with_a_working_cache(client, db):
    health = client.get("/healthz").json()
    assert health["rate_limit"] == "shared"
    assert health["cache"] in {"ok", "local"}
