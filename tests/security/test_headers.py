"""Headers and settings: the Content-Security-Policy, production cookies and HSTS, sessions,
CSRF on every form and every POST."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from roles.models import Role

from ..conftest import login
from ..factories import make_institution, make_member
from .urlwalk import entries, generic_values

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def parse_csp(header: str) -> dict[str, str]:
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip()
    )


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/invite/unknown-token/"])
def test_every_page_carries_the_policy(path, db):
    user = make_member(make_institution(), Role.ADMIN).user
    response = login(user).get(path, follow=True)
    policy = parse_csp(response["Content-Security-Policy"])
    for directive, value in POLICY.items():
        assert policy.get(directive) == value, (directive, policy)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


INLINE = [
    (re.compile(r"\sstyle\s*="), "a style attribute"),
    (re.compile(r"<style[\s>]"), "a <style> element"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_needs_inline_code_or_style():
    """The policy allows no inline code or style: templates have none (e-mails excepted)."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if "email" in path.parts:
            continue  # e-mails are read in mail clients, not under the portal's policy
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def test_every_post_form_has_a_csrf_token():
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        for form in FORM.findall(path.read_text(encoding="utf-8")):
            opening = form[: form.index(">")]
            if re.search(r"method=[\"']?post", opening, re.I) and "{% csrf_token %}" not in form:
                missing.append(f"{path.relative_to(ROOT)}: {opening[:80]}")
    assert not missing, "\n".join(missing)


def test_every_url_refuses_a_post_without_the_csrf_token(db):
    """The operator, who may do anything, is stopped by CSRF on every pattern of the project."""
    from ..factories import UserFactory

    institution = make_institution()
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    passed = []
    for entry in entries():
        assert not getattr(entry.callback, "csrf_exempt", False), f"{entry.label} is csrf_exempt"
        url = entry.url(generic_values(entry, institution.pk))
        response = client.post(url, {"action": "login"})
        if response.status_code != 403 or b"CSRF" not in response.content:
            passed.append(f"{url}: {response.status_code}")
    assert not passed, "POST without a CSRF token was not refused:\n" + "\n".join(passed)


def test_sessions_end_with_the_browser_and_after_twelve_hours():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY


def test_django_password_validators_are_on():
    names = {v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names >= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# No collectstatic here: plain static storage, all else as in production.
override_settings(STORAGES={
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()
c = Client()
plain = c.get("/accounts/login/")
health = c.get("/healthz")
page = c.get("/accounts/login/", secure=True)
cookie = page.cookies["csrftoken"]
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "health": health.status_code,
    "hsts": page.get("Strict-Transport-Security", ""),
    "csp": page.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": bool(cookie["secure"]),
    "csrf_cookie_httponly": bool(cookie["httponly"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "expire_at_browser_close": settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
    "throttle": [
        settings.LOGIN_USERNAME_FAILURES,
        settings.LOGIN_ADDRESS_FAILURES,
        settings.RATE_LIMIT_TRUST_FORWARDED_FOR,
    ],
}))
"""


def test_production_cookies_hsts_and_redirects(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x7#Kp2!vQ9zR4mW8nT1bY6cH3jL5sD0fG_aE-uI+oP=rX2kZ9qV4wN7",
        "ALLOWED_HOSTS": "testserver",
        "PORTAL_BASE_URL": "https://testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
        "LOG_LEVEL": "ERROR",
    }
    for name in (
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "RATE_LIMIT_TRUST_FORWARDED_FOR",
        "SESSION_COOKIE_AGE",
    ):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["plain"] == [301, "https://testserver/accounts/login/"]
    assert got["health"] == 200  # the load balancer's probe stays on plain HTTP
    assert got["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in got["csp"]
    assert got["csrf_cookie_secure"] and got["csrf_cookie_httponly"]
    assert got["session_cookie_secure"] and got["session_cookie_httponly"]
    assert got["expire_at_browser_close"] is True
    assert got["throttle"] == [10, 30, "auto"]


def test_no_page_may_be_cached_but_static_files_may(db):
    """Fresh links, QR sheets, feed addresses, the roster, a person, exports: never cached."""
    from invitations import services as invitation_services
    from roles.models import PersonKind

    from ..factories import make_person, make_unit

    institution = make_institution()
    admin = make_member(institution, Role.ADMIN)
    klass = make_unit(institution)
    student = make_person(institution, kind=PersonKind.STUDENT)
    _inv, token = invitation_services.create_invitation(
        unit=klass, role=Role.TEACHER, created_by=admin.user
    )
    client = login(admin.user)
    pk = institution.pk
    urls = [
        f"/structure/{pk}/people/",
        f"/structure/{pk}/people/{student.pk}/",
        f"/invitations/{pk}/bulk/?unit={klass.pk}",
        f"/channels/{pk}/feeds/",
        "/stats/export.csv",
        "/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response["Cache-Control"]
        assert "no-store" in cache and "private" in cache, (url, cache)
    landing = Client().get(f"/invite/{token}/")
    assert "no-store" in landing["Cache-Control"]
    static = Client().get("/static/css/portal.css")
    assert "no-store" not in static.get("Cache-Control", "")
