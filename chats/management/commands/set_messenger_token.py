"""`set_messenger_token --institution ID`: the MAX bot's token from standard input.

Never from the command line (it would stay in the shell's history and the process list):
`python manage.py set_messenger_token --institution 1 < token.txt`, or typed at the prompt.
"""

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from chats import services
from roles.errors import RuleBroken
from roles.models import Institution


class Command(BaseCommand):
    help = "Stores the institution's MAX bot token, read from standard input (never an argument)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--institution", type=int, required=True)

    def handle(self, *args, **options):
        institution = Institution.objects.filter(pk=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution {options['institution']}.")
        stdin = options.get("stdin") or sys.stdin
        token = getpass.getpass("MAX bot token: ") if stdin.isatty() else stdin.readline()
        try:
            services.set_bot_token(institution=institution, token=token, by=None)
        except RuleBroken as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"token_set=1 institution={institution.pk}")
