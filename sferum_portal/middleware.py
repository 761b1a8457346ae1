from django.conf import settings
from django.utils import timezone, translation


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
