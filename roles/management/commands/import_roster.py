from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from roles import services
from roles.models import Institution
from roles.roster import RosterFileError, plan_roster, read_roster


class Command(BaseCommand):
    help = "Imports a roster (CSV or XLSX): all or nothing; exit status 1 with the bad rows."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--institution", type=int, required=True)
        parser.add_argument("--dry-run", action="store_true", help="only show what would change")

    def handle(self, *args, path, institution, dry_run, **options):
        try:
            inst = Institution.objects.get(pk=institution)
        except Institution.DoesNotExist as exc:
            raise CommandError(_("No institution with id %(id)d.") % {"id": institution}) from exc
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        try:
            plan = plan_roster(inst, read_roster(file.read_bytes(), file.name))
        except RosterFileError as exc:
            raise CommandError(str(exc)) from exc
        if plan.errors:
            self.stderr.write(
                _("The file is rejected; nothing was written. Bad rows: %(count)d.")
                % {"count": len(plan.errors)}
            )
            for error in plan.errors:
                self.stderr.write(
                    "  "
                    + _("row %(row)s: %(problems)s")
                    % {"row": error.row, "problems": "; ".join(error.messages)}
                )
            raise SystemExit(1)
        summary = plan.summary() if dry_run else services.apply_roster_plan(plan=plan, by=None)
        message = (
            _(
                "Dry run, nothing written: %(rows)d rows, %(created)d new, %(changed)d changed, "
                "%(ended)d left, %(unchanged)d unchanged."
            )
            if dry_run
            else _(
                "Imported: %(rows)d rows, %(created)d new, %(changed)d changed, %(ended)d left, "
                "%(unchanged)d unchanged."
            )
        )
        self.stdout.write(message % summary)
