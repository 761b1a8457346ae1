from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chats"
    verbose_name = _("Chats")

    def ready(self) -> None:
        from roles.signals import memberships_ended, person_left

        from . import services

        def release_chats(sender, person, by=None, **kwargs):
            services.release_chats_of(person=person, by=by)

        def release_chats_in_units_left(sender, memberships, by=None, **kwargs):
            from roles.models import Role

            units_by_person: dict = {}
            for m in memberships:
                if m.role == Role.TEACHER:
                    units_by_person.setdefault(m.person, []).append(m.unit_id)
            for person, units in units_by_person.items():
                services.release_chats_of(person=person, by=by, units=units)

        person_left.connect(release_chats, dispatch_uid="chats.person_left")
        memberships_ended.connect(
            release_chats_in_units_left, dispatch_uid="chats.memberships_ended"
        )
