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
