from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chats"
    verbose_name = _("Chats")

    def ready(self) -> None:
        from roles.signals import memberships_ended, people_merged, person_left

        from . import receivers

        person_left.connect(receivers.release_chats_of_leaver, dispatch_uid="chats.person_left")
        memberships_ended.connect(
            receivers.release_chats_in_units_left, dispatch_uid="chats.memberships_ended"
        )
        people_merged.connect(
            receivers.move_chats_of_merged_person, dispatch_uid="chats.people_merged"
        )
        person_left.connect(
            receivers.leaver_still_in_chats, dispatch_uid="chats.person_left.reconciled"
        )
