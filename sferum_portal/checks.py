"""Deploy checks of our own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
