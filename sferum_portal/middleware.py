from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class PortalLocaleMiddleware:
    """Russian unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many school
    computers have English browsers: the portal must still speak Russian to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        # Views activate the institution's zone; it must not leak into the next request.
        timezone.deactivate()
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        timezone.deactivate()
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class NoStoreMiddleware:
    """Nothing the portal serves is kept by a browser's or a proxy's cache: its pages show
    fresh invitation links, QR sheets, feed addresses, minors' names and exports, on school
    computers that several people use. Static files (whitenoise, before this) keep theirs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class RejectNulMiddleware:
    """A NUL character is in no name, date or search the portal takes, and PostgreSQL refuses
    it in any text: a request carrying one in its parameters is a 400, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or _has_nul(request.GET):
            return _bad_request()
        if request.method == "POST" and _has_nul(request.POST):
            return _bad_request()
        return self.get_response(request)


def _bad_request() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Bad request: a parameter contains a NUL character."),
        content_type="text/plain; charset=utf-8",
    )


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in query.getlist(key)) for key in query)
