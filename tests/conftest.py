import pytest
from django.conf import settings
from django.test import Client

from roles.models import Role, UnitKind

from .factories import PASSWORD, UserFactory, make_institution, make_member, make_unit


@pytest.fixture(autouse=True)
def _landings_of_earlier_tests_do_not_count():
    """The landings' rate limit counts per address and clock minute: what earlier tests opened
    from the test client's address (127.0.0.1) must not make this test's landing a 429."""
    import time

    from django.core.cache import cache

    window = int(time.time() // 60)
    cache.delete_many([f"rate:invite:127.0.0.1:{w}" for w in (window - 1, window)])


@pytest.fixture(autouse=True)
def _roles_cached_by_earlier_tests_do_not_count():
    """The per-user cache of the rows roles come from (`roles.permissions.access_of`) starts
    empty in every test: ids of users are reused from one test to the next."""
    from roles import freshness, permissions

    permissions.forget_everyone()
    freshness.forget_everything()


@pytest.fixture
def institution(db):
    return make_institution("МОУДО «Тестовый центр»")


@pytest.fixture
def klass(institution):
    return make_unit(institution, UnitKind.CLASS, "3А", academic_year="2026/2027")


@pytest.fixture
def department(institution):
    return make_unit(institution, UnitKind.DEPARTMENT, "Художественный отдел")


@pytest.fixture
def admin_person(institution):
    return make_member(institution, Role.ADMIN)


@pytest.fixture
def admin_user(admin_person):
    return admin_person.user


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def admin_client(admin_user):
    return login(admin_user)


@pytest.fixture
def superuser(db):
    user = UserFactory(is_superuser=True, is_staff=True)
    return user


@pytest.fixture
def job_worker(transactional_db):
    """A real Celery worker thread when a broker is configured (CI on Redis); eager otherwise."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    from sferum_portal.celery import app

    with start_worker(
        app, perform_ping_check=False, pool="solo", queues=[settings.CELERY_TASK_DEFAULT_QUEUE]
    ) as worker:
        yield worker


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    broker = (
        "eager (no broker)" if settings.CELERY_TASK_ALWAYS_EAGER else settings.CELERY_BROKER_URL
    )
    return [f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}", f"celery: {broker}"]


def pytest_collection_modifyitems(config, items):
    """Race tests need concurrent writers: PostgreSQL (the second half of `.ci/run`)."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL; runs in .ci/run against the real server")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
