"""Fixtures of the chat tests: the people of the test institution, a clean cache and zone."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from roles.models import Role, UnitKind

from ..factories import make_member, make_unit
from .helpers import teacher as make_teacher


@pytest.fixture(autouse=True)
def default_time_zone():
    """Views activate the institution's zone and leave it active: do not carry it on."""
    yield
    timezone.deactivate()


@pytest.fixture(autouse=True)
def clean_cache(settings):
    """The invitation landing counts requests per address in the cache (local memory here)."""
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()
    yield


@pytest.fixture
def other_class(institution):
    return make_unit(institution, UnitKind.CLASS, "3Б", academic_year="2026/2027")


@pytest.fixture
def director(institution):
    return make_member(institution, Role.DIRECTOR)


@pytest.fixture
def deputy(institution):
    return make_member(institution, Role.DEPUTY)


@pytest.fixture
def teacher(institution, klass):
    """A verified teacher of 3А, in the staff room too, with an e-mail address."""
    return make_teacher(
        institution, klass, email="teacher@example.org", last_name="Соколова", first_name="Анна"
    )


@pytest.fixture
def fake_max(settings):
    """A fake MAX Bot API server for the test, with the portal pointed at it and no waiting
    between retries (Retry-After is still read; the cap makes it instant)."""
    from ..fakes.max_api import FakeMax

    with FakeMax() as server:
        settings.MAX_API_URL = server.url
        settings.MAX_API_BACKOFF = 0.0
        settings.MAX_API_MAX_WAIT = 0.01
        settings.MAX_API_TIMEOUT = 5.0
        yield server


@pytest.fixture
def school(institution):
    """5А with its verified teacher (the owner of its two MAX chats), five students, a parent;
    5Б with one student."""
    from .members_helpers import build_school

    return build_school(institution)
