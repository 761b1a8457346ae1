"""The role-aware home dashboard, the health check and the server-error page."""

import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import server_error as django_server_error

from invitations.models import JoinRequest, JoinRequestStatus
from roles import permissions
from roles.web import current_institution

from . import dashboard, ratelimit


@login_required
def home(request):
    institution = current_institution(request)
    if institution is None:
        waiting = JoinRequest.objects.filter(
            user=request.user, status=JoinRequestStatus.PENDING
        ).select_related("unit", "institution")
        return render(request, "home_no_role.html", {"waiting_requests": list(waiting)})
    timezone.activate(institution.tzinfo)
    roles = permissions.roles_of(request.user, institution)
    # Loaded here or kept in the cache (see dashboard): the template runs no query.
    context = {"institution": institution, **dashboard.contents(request.user, institution, roles)}
    return render(request, "home.html", context)


def _broker_state() -> str:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = "ok"
    except Exception:
        db = "down"
    broker = _broker_state()
    status = 200 if db == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "error",
            "db": db,
            "broker": broker,
            "cache": _cache_state(),
            # Rate limits count in each process while the shared cache is down.
            "rate_limit": "shared" if ratelimit.shared() else "per-process",
        },
        status=status,
    )


def _cache_state() -> str:
    from django.core.cache import cache

    cache.get("healthz-probe")  # finds out whether Redis answers now
    if not hasattr(cache, "unreachable"):
        return "local"  # the development cache of this process
    return "down" if cache.unreachable else "ok"


# psycopg2 raises these (wrapped by Django) while the database restarts or is unreachable.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _database_unavailable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return True
        if isinstance(exc, DatabaseError):
            return False  # a query error is a bug, not an outage
        exc = exc.__cause__ or exc.__context__
    return False


def _unavailable(request):
    """503 "try again shortly". Nothing here touches the database: the template gets no
    request context (its processors would query), and it is a plain page like 500.html."""
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"status": "error", "db": "down"}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = "30"
    return response


def server_error(request, template_name="500.html"):
    """handler500: a database outage is a 503, everything else the 500 page."""
    if _database_unavailable(sys.exc_info()[1]):
        return _unavailable(request)
    return django_server_error(request, template_name)


def bad_request(request, exception, template_name="400.html"):
    """handler400: a session that could not be saved because the database went away is
    reported by Django as "session interrupted" (400); it is an outage, so a 503."""
    if _database_unavailable(exception):
        return _unavailable(request)
    return django_bad_request(request, exception, template_name)
