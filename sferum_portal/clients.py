"""Who is asking: the client address that rate limits and lockouts count."""

from django.conf import settings


def client_address(request) -> str:
    if getattr(settings, "RATE_LIMIT_TRUST_FORWARDED_FOR", False):
        # Behind our own proxy the client is the last address it appended.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
