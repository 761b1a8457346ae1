"""`reconcile_chat CHAT_ID PATH`: reconcile one chat from a member list saved in a file (.txt as
pasted from the members screen, or .csv); prints members_matched, members_unknown and
people_missing as `name=value` lines (DESIGN §4)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chats import services
from chats.models import Chat
from roles.errors import RuleBroken


class Command(BaseCommand):
    help = "Reconciles a chat's members with the roster from a pasted member list in a file."

    def add_arguments(self, parser):
        parser.add_argument("chat_id", type=int)
        parser.add_argument("path")

    def handle(self, *args, **options):
        chat = Chat.objects.select_related("institution").filter(pk=options["chat_id"]).first()
        if chat is None:
            raise CommandError(f"No chat {options['chat_id']}.")
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        text = services.read_member_file(path.read_bytes(), path.name)
        try:
            result = services.reconcile_pasted(chat=chat, text=text, by=None)
        except RuleBroken as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"members_matched={result.members_matched}")
        self.stdout.write(f"members_unknown={result.members_unknown}")
        self.stdout.write(f"people_missing={result.people_missing}")
