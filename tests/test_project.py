"""Project-level contract: health check, production settings, demo data, schedules, language."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from roles.models import (
    AdminAppointment,
    Institution,
    Membership,
    Movement,
    Person,
    Role,
    TodoItem,
    Unit,
    User,
)

from .conftest import login

ROOT = Path(__file__).resolve().parent.parent


# A production environment for `manage.py check --deploy`, every setting of ours right.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#Kp2!vQ9zR4mW8nT1bY6cH3jL5sD0fG_aE-uI+oP=rX2kZ9qV4wN7",
    "ALLOWED_HOSTS": "portal.example.org",
    "PORTAL_BASE_URL": "https://portal.example.org",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "rediscache://127.0.0.1:6379/2",
    "EMAIL_URL": "smtp+tls://user:pass@smtp.example.org:587",
    "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
}


def check_deploy(**changes: str) -> tuple[int, str]:
    """`check --deploy --fail-level WARNING` in PRODUCTION_ENV with `changes`: the exit status
    and the output."""
    env = {**os.environ, **PRODUCTION_ENV, **changes}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["db"] == "ok"
    assert body["broker"] in {"eager", "ok"}


HEALTHZ_PROBE = (
    "import django, json; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(r.status_code, json.loads(r.content)['db'])"
)


@pytest.mark.parametrize(
    "database_url",
    ["postgres://postgres@127.0.0.1:1/unreachable", "sqlite:////nonexistent/dir/db.sqlite3"],
)
def test_healthz_is_503_when_the_database_is_unreachable(database_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
        "DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", HEALTHZ_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split()[-2:] == ["503", "down"], result.stdout + result.stderr


def test_check_deploy_is_clean_in_production():
    status, output = check_deploy()
    assert status == 0, output
    assert "no issues" in output


@pytest.mark.parametrize(("mode", "warning"), [("1", "sferum.W001"), ("0", "sferum.W002")])
def test_check_deploy_warns_about_an_unsafe_forwarded_for_setting(mode, warning):
    status, output = check_deploy(RATE_LIMIT_TRUST_FORWARDED_FOR=mode)
    assert status != 0
    assert warning in output


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {
            "DEBUG": "0",
            "ALLOWED_HOSTS": "x",
            "PORTAL_BASE_URL": "https://x",
            "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", [None, "", "  "])
def test_production_refuses_to_start_without_the_portals_address(value):
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x7#Kp2!vQ9zR4mW8nT1bY6cH3jL5sD0fG_aE-uI+oP=rX2kZ9qV4wN7",
            "ALLOWED_HOSTS": "portal.example.org",
            "DJANGO_SETTINGS_MODULE": "sferum_portal.settings",
        }
    )
    if value is not None:
        env["PORTAL_BASE_URL"] = value
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PORTAL_BASE_URL" in result.stderr


@pytest.mark.parametrize(
    ("address", "warnings"),
    [
        ("http://portal.example.org", {"sferum.W003"}),
        ("https://elsewhere.example.org", {"sferum.W004"}),
        ("http://127.0.0.1:8000", {"sferum.W003", "sferum.W004"}),
        ("https://portal.example.org/", set()),
    ],
)
def test_check_deploy_warns_about_a_portal_address_that_leads_nowhere(address, warnings):
    status, output = check_deploy(PORTAL_BASE_URL=address)
    assert {w for w in ("sferum.W003", "sferum.W004") if w in output} == warnings, output
    assert (status == 0) == (not warnings)


def test_development_links_follow_the_address_in_use(db, settings, client):
    """Without PORTAL_BASE_URL (development), a link made while answering a request is on the
    address the browser used; with it, always on PORTAL_BASE_URL."""
    from django.test import RequestFactory

    from sferum_portal import links

    settings.ALLOWED_HOSTS = ["192.168.1.20", "testserver"]
    settings.PORTAL_BASE_URL_FROM_REQUEST = True
    seen = {}

    def view(request):
        seen["url"] = links.absolute_url("/invite/x/")
        from django.http import HttpResponse

        return HttpResponse()

    middleware = links.RequestBaseMiddleware(view)
    middleware(RequestFactory().get("/", HTTP_HOST="192.168.1.20:8000"))
    assert seen["url"] == "http://192.168.1.20:8000/invite/x/"
    assert links.absolute_url("/invite/x/") == settings.PORTAL_BASE_URL.rstrip("/") + "/invite/x/"

    settings.PORTAL_BASE_URL_FROM_REQUEST = False
    settings.PORTAL_BASE_URL = "https://portal.example.org/"
    middleware(RequestFactory().get("/", HTTP_HOST="192.168.1.20:8000"))
    assert seen["url"] == "https://portal.example.org/invite/x/"


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Institution,
            Unit,
            Person,
            Membership,
            Movement,
            TodoItem,
            User,
            AdminAppointment,
        )
    }


def test_seed_demo_is_idempotent_and_the_demo_logins_work(db, client, settings):
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first["Institution"] == 1 and first["Person"] > 50
    institution = Institution.objects.get()
    assert institution.units.filter(kind="staff_room").count() == 1
    assert TodoItem.objects.filter(done_at=None).exists()
    for username in ("director", "admin", "teacher"):
        assert client.login(username=username, password=settings.DEMO_PASSWORD), username
    from roles import permissions

    roles = {
        u: permissions.roles_of(User.objects.get(username=u), institution)
        for u in ("director", "admin", "teacher")
    }
    assert Role.DIRECTOR in roles["director"]
    assert Role.ADMIN in roles["admin"]
    assert roles["teacher"] == {Role.TEACHER}


def test_the_demos_appointment_matches_its_order(db):
    """Issue 13, item 10: the appointment starts on its order's date or later, the order on the
    use of Sferum comes no later, and the order's file is attached (a real PDF)."""
    call_command("seed_demo", stdout=io.StringIO())
    institution = Institution.objects.get()
    appointment = AdminAppointment.objects.get(institution=institution)
    assert appointment.order_date <= appointment.start_date
    assert (appointment.start_date - appointment.order_date).days <= 7
    assert institution.usage_order_date <= appointment.order_date
    with appointment.order_file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_seed_demo_prints_the_logins(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username in ("director", "admin", "teacher"):
        assert f"{username} / sferum-demo" in out


def test_periodic_jobs_are_kept_in_django_celery_beat(db):
    task = PeriodicTask.objects.get(task="roles.tasks.purge_roster_files")
    assert task.enabled and task.crontab is not None


def test_the_login_page_is_in_russian_by_default(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ru"' in page
    assert "Войти" in page


def test_russian_even_for_an_english_browser(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="ru"' in response.content.decode()


def test_english_is_the_second_language_chosen_with_the_switch(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page
    client.post("/i18n/setlang/", {"language": "ru", "next": "/accounts/login/"})
    assert 'lang="ru"' in client.get("/accounts/login/").content.decode()


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_admin_site_is_for_superusers(superuser, admin_user):
    assert login(superuser).get("/admin/").status_code == 200
    assert login(admin_user).get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "path", ["/static/vendor/bootstrap/css/bootstrap.min.css", "/static/css/portal.css"]
)
def test_static_files_are_served_locally(client, path, db):
    response = client.get(path)
    assert response.status_code == 200


def test_the_django_admin_registers_every_model_of_the_portal():
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_app_config("roles").get_models()]
    assert ours and all(admin.site.is_registered(m) for m in ours)


def test_the_audit_log_cannot_be_edited_in_the_admin(superuser, institution):
    from roles.models import AuditEvent

    event = AuditEvent.objects.filter(institution=institution).first()
    client = login(superuser)
    assert client.get(f"/admin/roles/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/roles/auditevent/{event.pk}/change/", {"summary": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.summary != "x"


def test_creating_an_institution_in_the_admin_creates_its_staff_room(superuser):
    client = login(superuser)
    response = client.post(
        "/admin/roles/institution/add/",
        {"name": "Школа № 5", "short_name": "Ш5", "timezone": "Europe/Samara"},
    )
    assert response.status_code == 302
    institution = Institution.objects.get(short_name="Ш5")
    assert [u.name for u in institution.units.all()] == ["Учительская"]


def test_seed_demo_leaves_an_existing_superuser_alone_and_repairs_deleted_demo_users(db):
    User.objects.create_superuser("admin", "root@example.org", "own-secret-1")
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    admin = User.objects.get(username="admin")
    assert admin.check_password("own-secret-1")
    # The demo teacher's login is gone (renamed and unlinked; logins that acted are kept).
    old = User.objects.get(username="teacher")
    old.people.update(user=None)
    User.objects.filter(pk=old.pk).update(username="former-teacher")
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    teacher = User.objects.get(username="teacher")
    assert teacher.check_password("sferum-demo")
    assert teacher.people.get().external_id == "DEMO-teacher"


@pytest.mark.parametrize(
    ("cache_url", "warned"),
    [("locmemcache://", True), ("rediscache://127.0.0.1:6379/2", False)],
)
def test_check_deploy_warns_about_a_cache_of_each_process_its_own(cache_url, warned):
    """The dashboards and boards kept in the cache are forgotten by the process that changes
    them: only a shared cache (Redis) lets every worker know."""
    status, output = check_deploy(CACHE_URL=cache_url)
    assert ("sferum.W005" in output) == warned, output
    assert (status == 0) == (not warned), output
