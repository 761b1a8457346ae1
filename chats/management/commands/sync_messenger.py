"""`sync_messenger --institution ID`: sync the institution's MAX chats now, with the stored
token against MAX_API_URL; prints `name=value` lines (DESIGN §4) and the bot's state. Exit
status 1 when there is no token, the token is refused or MAX cannot be reached."""

from django.core.management.base import BaseCommand, CommandError

from chats import services
from chats.models import BotState
from roles.models import Institution


class Command(BaseCommand):
    help = "Syncs the institution's MAX chats and reconciles their members with the roster."

    def add_arguments(self, parser):
        parser.add_argument("--institution", type=int, required=True)

    def handle(self, *args, **options):
        institution = Institution.objects.filter(pk=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution {options['institution']}.")
        try:
            result = services.sync_institution(institution=institution)
        except services.MessengerNotConfigured as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(f"requests={result.requests}")
        self.stdout.write(f"state={result.state}")
        if result.state != BotState.OK:
            raise CommandError(f"MAX sync failed: {result.state} ({result.error})")
