"""The one settings module: every deployment difference comes from the environment.

Development needs nothing set (SQLite file, eager Celery, console e-mail). With DEBUG=0 the
secrets have no defaults, so a production server with a missing one fails at boot.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env(
        "SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "csp",
    "roles",
    "invitations",
    "chats",
    "channels_app",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sferum_portal.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sferum_portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sferum_portal.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a refused password attempt into its page; remembers the device after a login.
    "roles.login.middleware.LoginThrottleMiddleware",
    # In development without PORTAL_BASE_URL, links follow the address in use.
    "sferum_portal.links.RequestBaseMiddleware",
]

ROOT_URLCONF = "sferum_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "roles.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "sferum_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers and one writer without "database is locked" under runserver.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "roles.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Every password login goes through the throttle (roles.login). ModelBackend stays listed for the
# sessions of passwordless logins (the personal links name it); it never checks a password
# without the throttle, which ends the chain on a refusal or a wrong password.
AUTHENTICATION_BACKENDS = [
    "roles.login.backends.ThrottledModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Russian by default, English as the second language.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console in development, anything django-environ understands in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sferum-portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Cache: local memory in development; Redis in production (rate limits need a shared store).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # With Redis down the pages carry on without the cache (sferum_portal/cache.py), and a
    # Redis that does not answer costs a request at most a second.
    CACHES["default"]["BACKEND"] = "sferum_portal.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )

# Celery: an empty broker URL means tasks run eagerly, in the web process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Portal settings.
PORTAL_PAGE_SIZE = env.int("PORTAL_PAGE_SIZE", default=25)
# Uploaded roster files hold minors' personal data: keep them only this long.
ROSTER_FILE_RETENTION_DAYS = env.int("ROSTER_FILE_RETENTION_DAYS", default=30)
ROSTER_MAX_UPLOAD_MB = env.int("ROSTER_MAX_UPLOAD_MB", default=10)
# A workbook is refused before it is opened when its sheets unpack to more than this many times
# the file (at least 10 MB) or more than this many MB in all: a zip bomb stops a worker.
ROSTER_XLSX_MAX_RATIO = env.int("ROSTER_XLSX_MAX_RATIO", default=50)
ROSTER_XLSX_MAX_UNPACKED_MB = env.int("ROSTER_XLSX_MAX_UNPACKED_MB", default=200)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="sferum-demo")
# Absolute links in e-mails, on printed QR sheets and in feeds (sferum_portal.links). Required
# with DEBUG=0, like SECRET_KEY: the portal refuses to start without it. In development it may
# be left unset: then links follow the address in use (the request's), or the development
# server's outside a request.
if DEBUG:
    PORTAL_BASE_URL_FROM_REQUEST = not env.str("PORTAL_BASE_URL", default="")
    PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="") or "http://127.0.0.1:8000"
else:
    PORTAL_BASE_URL_FROM_REQUEST = False
    PORTAL_BASE_URL = env.str("PORTAL_BASE_URL")
    if not PORTAL_BASE_URL.strip():
        raise ImproperlyConfigured("Set the PORTAL_BASE_URL environment variable")
# Invitation landing pages per client address and minute (the cache counts; Redis in production).
INVITE_RATE_LIMIT_PER_MINUTE = env.int("INVITE_RATE_LIMIT_PER_MINUTE", default=30)
# Invitation links of the messengers' chats, by platform: a chat's link must match one of them.
CHAT_LINK_PATTERNS = {
    "vk": [
        r"https://vk\.me/join/[A-Za-z0-9_\-=/]{6,200}",
        r"https://vk\.com/join/[A-Za-z0-9_\-=/]{6,200}",
        r"https://web\.vk\.me/join/[A-Za-z0-9_\-=/]{6,200}",
        r"https://sferum\.ru/\?(?:[a-z_]+=[A-Za-z0-9_\-]+&?)*call_link=[A-Za-z0-9_\-]{6,200}",
    ],
    "max": [
        r"https://max\.ru/join/[A-Za-z0-9_\-]{6,200}",
        r"https://web\.max\.ru/join/[A-Za-z0-9_\-]{6,200}",
    ],
}
# A queued job (a roster import) that has not started this many minutes after it was queued is
# sent to the broker again (it was lost while the broker was down).
JOB_REDISPATCH_AFTER_MINUTES = env.int("JOB_REDISPATCH_AFTER_MINUTES", default=5)
# A teacher gets at most one reminder about missing chats in this many days.
CHAT_REMINDER_INTERVAL_DAYS = env.int("CHAT_REMINDER_INTERVAL_DAYS", default=7)
# Behind nginx the client address is the last one in X-Forwarded-For, believed only from the
# proxies in TRUSTED_PROXIES ("auto"); "1" believes it from anyone, "0" never
# (sferum_portal.clients).
RATE_LIMIT_TRUST_FORWARDED_FOR = env.str("RATE_LIMIT_TRUST_FORWARDED_FOR", default="auto")
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])

# Login throttling (roles.login), counted over a sliding window: a login's failures from unknown
# devices, an address's failures from unknown devices (password spraying), a known device's own.
# A device where the login signed in before is trusted for LOGIN_DEVICE_DAYS; a code by e-mail
# lets the real user in from a new one.
LOGIN_WINDOW_MINUTES = env.int("LOGIN_WINDOW_MINUTES", default=60)
LOGIN_USERNAME_FAILURES = env.int("LOGIN_USERNAME_FAILURES", default=10)
LOGIN_ADDRESS_FAILURES = env.int("LOGIN_ADDRESS_FAILURES", default=30)
LOGIN_DEVICE_FAILURES = env.int("LOGIN_DEVICE_FAILURES", default=10)
LOGIN_DEVICE_DAYS = env.int("LOGIN_DEVICE_DAYS", default=365)
LOGIN_CODE_MINUTES = env.int("LOGIN_CODE_MINUTES", default=15)
# The order on the use of Sferum (a scan or a document) is at most this large.
ORDER_FILE_MAX_MB = env.int("ORDER_FILE_MAX_MB", default=10)
# Failed-login records are deleted after this many days (152-ФЗ: kept no longer than needed).
LOGIN_RECORD_RETENTION_DAYS = env.int("LOGIN_RECORD_RETENTION_DAYS", default=90)

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. Styles, scripts
# and images come from our own static files (Bootstrap is vendored); QR codes and charts are
# inline SVG markup, which the policy does not restrict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# A session ends when the browser closes (school computers are shared) and at the latest
# SESSION_COOKIE_AGE after it was last saved (login, switching institutions).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
# Students and parents join without a password: their login lasts on their device, in a
# persistent cookie, this many days from the last save of the session (DESIGN §5). Set wherever
# a passwordless login happens (invitations.sessions); staff keep the session above.
FAMILY_SESSION_DAYS = env.int("FAMILY_SESSION_DAYS", default=180)
# The way back in for a family member who lost that login: a single-use sign-in link from the
# admin or the director, valid this many hours.
SIGNIN_LINK_HOURS = env.int("SIGNIN_LINK_HOURS", default=72)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "redact_tokens": {"()": "sferum_portal.logging.RedactInviteTokens"},
        "client_errors": {"()": "sferum_portal.logging.ClientErrorsWithoutTraceback"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines carry paths too.
        "django.request": {"filters": ["redact_tokens", "client_errors"]},
        "django.server": {
            "handlers": ["console"],
            "filters": ["redact_tokens"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# MAX's Bot API (chats.max_api): the base address (tests point it at a fake server), the
# time-out of one request in seconds, the retries of a 429/503 or a dropped connection and
# their back-off (doubling from MAX_API_BACKOFF seconds; Retry-After honoured up to
# MAX_API_MAX_WAIT). The bot's token is not a setting: each institution's is stored encrypted.
MAX_API_URL = env("MAX_API_URL", default="https://platform-api.max.ru")
MAX_API_TIMEOUT = env.float("MAX_API_TIMEOUT", default=10.0)
MAX_API_RETRIES = env.int("MAX_API_RETRIES", default=3)
MAX_API_BACKOFF = env.float("MAX_API_BACKOFF", default=0.5)
MAX_API_MAX_WAIT = env.float("MAX_API_MAX_WAIT", default=30.0)
