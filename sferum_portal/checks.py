"""Deploy checks of our own settings (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import validate_host


@register(Tags.security, deploy=True)
def forwarded_for(app_configs, **kwargs):
    mode = str(getattr(settings, "RATE_LIMIT_TRUST_FORWARDED_FOR", "auto")).lower()
    if mode in ("1", "true", "yes", "on"):
        return [
            Warning(
                "RATE_LIMIT_TRUST_FORWARDED_FOR=1 believes X-Forwarded-For from any client: "
                "anyone who reaches the portal without the proxy can pose as any address and "
                "escape the login throttling and the invitation rate limit.",
                hint="Use 'auto' (the default): the header is believed from TRUSTED_PROXIES only.",
                id="sferum.W001",
            )
        ]
    if mode in ("0", "false", "no", "off"):
        return [
            Warning(
                "RATE_LIMIT_TRUST_FORWARDED_FOR=0 behind nginx gives every client the proxy's "
                "address: the login throttling and the rate limit count the whole world as one "
                "client, and one pupil's wrong passwords pause everyone's logins.",
                hint="Use 'auto' (the default) and list the proxy in TRUSTED_PROXIES.",
                id="sferum.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def portal_base_url(app_configs, **kwargs):
    """The address in e-mails, on printed QR codes and in feeds must be the portal's own,
    over HTTPS: a printed sheet cannot be corrected once handed out."""
    url = str(getattr(settings, "PORTAL_BASE_URL", "") or "")
    parts = urlsplit(url)
    found = []
    if parts.scheme != "https":
        found.append(
            Warning(
                f"PORTAL_BASE_URL={url!r} is not an https:// address: the links in e-mails and "
                "on printed QR sheets would send families to an unencrypted page (or nowhere).",
                hint="Set PORTAL_BASE_URL to the portal's public address, e.g. "
                "https://portal.example.org.",
                id="sferum.W003",
            )
        )
    host = parts.hostname or ""
    if not host or not validate_host(host, settings.ALLOWED_HOSTS):
        found.append(
            Warning(
                f"The host of PORTAL_BASE_URL ({host or 'none'}) is not among ALLOWED_HOSTS: "
                "every link the portal sends would be refused with 400.",
                hint="Add the host to ALLOWED_HOSTS, or correct PORTAL_BASE_URL.",
                id="sferum.W004",
            )
        )
    return found


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """What the pages keep in the cache (an institution's dashboard and board, a user's roles)
    is forgotten by the process that changes it: with a cache of each process's own, the other
    gunicorn workers and the Celery worker would go on showing what was, for up to a minute,
    and the rate limits would count per process."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache", "FileBasedCache")):
        return [
            Warning(
                f"The cache ({backend.rsplit('.', 1)[-1]}) is not shared by the portal's "
                "processes: a change made in one worker would not reach the dashboards, boards "
                "and roles another worker keeps, and the rate limits would count per process.",
                hint="Set CACHE_URL to Redis, e.g. rediscache://127.0.0.1:6379/2.",
                id="sferum.W005",
            )
        ]
    return []
