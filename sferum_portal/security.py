"""Login lockout (django-axes) without keeping a secret in its records or log lines."""

from axes.handlers.database import AxesDatabaseHandler

from .logging import redact


def _redact_path(request) -> None:
    # Axes stores and logs the path of every login; on `/invite/<token>/` the path is a key.
    path = getattr(request, "axes_path_info", None)
    if path:
        request.axes_path_info = redact(path)


class RedactingAxesHandler(AxesDatabaseHandler):
    """The database handler, with invitation tokens removed from the recorded paths."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            _redact_path(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        _redact_path(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        _redact_path(request)
        return super().user_logged_out(sender, request, user, **kwargs)
