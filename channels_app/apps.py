from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = _("Channels and events")

    def ready(self) -> None:
        # Two people merged into one: see receivers.
        from roles.signals import people_merged

        from . import receivers

        people_merged.connect(
            receivers.move_rows_of_merged_person, dispatch_uid="channels_app.people_merged"
        )
