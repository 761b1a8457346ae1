"""A refused password attempt becomes the 429 page; a successful one remembers the device."""

from django.conf import settings
from django.shortcuts import render

from . import devices


class LoginThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refusal = getattr(request, "login_refusal", None)
        if refusal is not None:
            return render(
                request,
                "registration/locked_out.html",
                {
                    "refusal": refusal,
                    "window_minutes": settings.LOGIN_WINDOW_MINUTES,
                    "code_minutes": settings.LOGIN_CODE_MINUTES,
                },
                status=429,
            )
        user = getattr(request, "login_trusted_user", None)
        if user is not None and response.status_code < 400:
            devices.remember(request, response, user)
        return response
