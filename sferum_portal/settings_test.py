"""Test overlay: the environment-driven settings plus what only tests need."""

import os
import tempfile

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The cache is Redis in CI (CACHE_URL), local memory otherwise.
if not env("CACHE_URL", default=""):  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="sferum-test-media-")  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# With a real broker, each pytest-xdist process gets its own queue so that its worker thread
# never runs a task against another process's test database.
CELERY_TASK_DEFAULT_QUEUE = f"sferum-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django.request"]["level"] = "ERROR"  # noqa: F405
# Tests serve static files from the finders; there is no collected STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# The test database's name when the default "test_<name>" does not suit (.ci/browser).
if env("TEST_DATABASE_NAME", default=""):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}  # noqa: F405
