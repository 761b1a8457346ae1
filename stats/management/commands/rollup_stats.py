import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from roles.models import Institution
from stats import services


class Command(BaseCommand):
    help = (
        "Rolls up the daily statistics: by default every local day since the last complete one,"
        " up to yesterday; idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD")
        parser.add_argument("--until", help="YYYY-MM-DD: backfill from --day to this day")
        parser.add_argument("--institution", type=int)

    def handle(self, *args, day=None, until=None, institution=None, **options):
        try:
            first = dt.date.fromisoformat(day) if day else None
            last = dt.date.fromisoformat(until) if until else None
        except ValueError as exc:
            raise CommandError(_("Give dates as YYYY-MM-DD.")) from exc
        inst = None
        if institution is not None:
            inst = Institution.objects.filter(pk=institution).first()
            if inst is None:
                raise CommandError(_("No institution with id %(id)d.") % {"id": institution})
        if last is not None:
            if first is None or last < first:
                raise CommandError(_("--until needs a --day before it."))
            written = services.rollup_range(start=first, end=last, institution=inst)
        else:
            written = services.rollup(day=first, institution=inst)
        self.stdout.write(_("Snapshots written: %(count)d") % {"count": written})
