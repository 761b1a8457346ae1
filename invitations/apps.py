from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    verbose_name = _("Invitations")

    def ready(self) -> None:
        # What happens to links when a person leaves, a membership ends or two people are
        # merged, and what the person's page shows of this app: see receivers.
        from roles.signals import (
            memberships_ended,
            people_merged,
            person_left,
            person_page_sections,
        )

        from . import receivers

        person_left.connect(
            receivers.revoke_links_of_leaver, dispatch_uid="invitations.person_left"
        )
        memberships_ended.connect(
            receivers.revoke_links_into_units_left, dispatch_uid="invitations.memberships_ended"
        )
        people_merged.connect(
            receivers.move_rows_of_merged_person, dispatch_uid="invitations.people_merged"
        )
        person_page_sections.connect(
            receivers.person_page_signin_links, dispatch_uid="invitations.person_page"
        )
