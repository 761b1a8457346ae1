"""`import_roster PATH --institution ID [--dry-run] [--kind staff|student|parent] [--complete]`.

The file as school systems export it: the header row is found below title rows, the columns are
mapped as remembered for this institution and layout (the web import's last choice) or by their
headers, unmapped columns are ignored. All or nothing; exit status 1 with the bad rows; nobody
is recorded as leaving without --complete.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from roles import services
from roles.models import Institution, PersonKind
from roles.roster import (
    RosterFileError,
    check_mapping,
    find_layout,
    ignored_columns,
    plan_roster,
    read_records,
    rows_from_records,
)


class Command(BaseCommand):
    help = (
        "Imports a roster (CSV or XLSX as exported): all or nothing; exit status 1 with the bad "
        "rows; nobody leaves without --complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--institution", type=int, required=True)
        parser.add_argument("--dry-run", action="store_true", help="only show what would change")
        parser.add_argument(
            "--kind",
            choices=list(PersonKind.values),
            default="",
            help="the kind of people of a file without a kind column",
        )
        parser.add_argument(
            "--complete",
            action="store_true",
            help="the file is the complete list of its kinds: whoever is missing has left",
        )

    def handle(self, *args, path, institution, dry_run, kind, complete, **options):
        try:
            inst = Institution.objects.get(pk=institution)
        except Institution.DoesNotExist as exc:
            raise CommandError(_("No institution with id %(id)d.") % {"id": institution}) from exc
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": path})
        try:
            records, _encoding = read_records(file.read_bytes(), file.name)
            layout = find_layout(records)
            mapping, kind, _remembered = services.proposed_mapping(inst, layout, kind)
            problems = check_mapping(mapping, layout.headers, kind=kind)
            if problems:
                raise RosterFileError(" ".join(problems))
            rows = rows_from_records(records, layout, mapping, kind=kind)
        except RosterFileError as exc:
            raise CommandError(str(exc)) from exc
        plan = plan_roster(inst, rows, complete=complete)
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
        ignored = ignored_columns(layout.headers, mapping)
        if ignored:
            self.stdout.write(
                _("Columns not imported: %(columns)s.")
                % {"columns": ", ".join(f"«{name}»" for name in ignored)}
            )
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
