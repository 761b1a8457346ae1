from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from invitations import services


class Command(BaseCommand):
    help = "Expires and annuls unused invitation links now (the hourly job, synchronously)."

    def handle(self, *args, **options):
        count = services.expire_invitations()
        self.stdout.write(_("Links expired or annulled: %(count)d") % {"count": count})
