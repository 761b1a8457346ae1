from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chats"
    verbose_name = _("Chats")

    def ready(self) -> None:
        from roles.signals import person_left

        from . import services

        def release_chats(sender, person, by=None, **kwargs):
            services.release_chats_of(person=person, by=by)

        person_left.connect(release_chats, dispatch_uid="chats.person_left")
