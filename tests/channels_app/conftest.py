"""Fixtures of the channels tests: the people of the test institution and a clean zone."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from roles.models import Role, UnitKind

from ..factories import make_member, make_unit
from .helpers import channel, member, teacher


@pytest.fixture(autouse=True)
def default_time_zone():
    """Views activate the institution's zone and leave it active: do not carry it on."""
    yield
    timezone.deactivate()


@pytest.fixture(autouse=True)
def clean_cache(settings):
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
def class_teacher(institution, klass):
    """A verified teacher of 3А (and of the staff room), with an e-mail address."""
    return teacher(
        institution, klass, email="teacher@example.org", last_name="Соколова", first_name="Анна"
    )


@pytest.fixture
def student(klass):
    return member(klass, Role.STUDENT, email="student@example.org")


@pytest.fixture
def parent(klass):
    return member(klass, Role.PARENT, email="parent@example.org")


@pytest.fixture
def news(institution, admin_user):
    """A channel for everyone."""
    return channel(institution, admin_user, "everyone", "Новости")
