from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    verbose_name = _("Invitations")

    def ready(self) -> None:
        from roles.signals import memberships_ended, person_left

        from . import services

        def revoke_links_of_leaver(sender, person, by=None, **kwargs):
            services.revoke_for_person(person=person, by=by)

        def revoke_links_into_units_left(sender, memberships, by=None, **kwargs):
            services.revoke_for_memberships(memberships=memberships, by=by)

        person_left.connect(revoke_links_of_leaver, dispatch_uid="invitations.person_left")
        memberships_ended.connect(
            revoke_links_into_units_left, dispatch_uid="invitations.memberships_ended"
        )
