"""Fixtures of the invitation tests: people of the test institution and a clean rate limit."""

import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from roles import services as roles_services
from roles.models import Role

from ..factories import make_member


@pytest.fixture(autouse=True)
def fresh_rate_limit(settings):
    """The landing page counts requests per address in the cache: every test starts at zero.

    Each test gets a key space of its own, and a local-memory cache is cleared as well. A shared
    Redis (CI runs two xdist workers on one) is not flushed: that would reset the counters of a
    rate-limit test running in the other worker.
    """
    default = settings.CACHES["default"]
    settings.CACHES = {
        **settings.CACHES,
        "default": {**default, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    if default["BACKEND"].endswith("LocMemCache"):
        cache.clear()
    yield
    if default["BACKEND"].endswith("LocMemCache"):
        cache.clear()


@pytest.fixture(autouse=True)
def default_time_zone():
    """Views activate the institution's zone and leave it active: do not carry it on."""
    yield
    timezone.deactivate()


@pytest.fixture
def staff_room(institution):
    return roles_services.staff_room(institution)


@pytest.fixture
def director_user(institution):
    return make_member(institution, Role.DIRECTOR).user


@pytest.fixture
def teacher(institution, klass):
    """A verified teacher of 3А (the roster person; `.user` is the login)."""
    return make_member(institution, Role.TEACHER, klass, verified=True)
