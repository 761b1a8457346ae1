from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "roles"
    verbose_name = _("Institution and roster")

    def ready(self) -> None:
        from sferum_portal import checks, schedules  # noqa: F401  (checks register themselves)

        schedules.connect()
        from . import receivers  # noqa: F401  (the cached roles forgotten when they change)
