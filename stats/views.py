"""The director's statistics: snapshots only, exports, the operator's view of the region."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import FloatField
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from roles import permissions
from roles import services as roles_services
from roles.models import Institution
from roles.web import current_institution, paginate, remember_institution
from sferum_portal import exports

from . import charts, selectors, services
from .models import INSTITUTION_METRICS, UNIT_METRICS, UsageSnapshot
from .services import default_day

PERIODS = (7, 30, 90)
CLASSES_PER_PAGE = 50
REGION_PER_PAGE = 50


class StatsView(View):
    """`/stats/` and its exports: the institution the user works in (or `?institution=`)."""

    action = "stats.view"

    def dispatch(self, request, *args, **kwargs):
        from django.contrib.auth.views import redirect_to_login

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.institution = current_institution(request)
        if self.institution is None or not permissions.can(
            request.user, self.action, self.institution
        ):
            raise PermissionDenied
        remember_institution(request, self.institution)
        self.day = default_day(self.institution)
        try:
            self.days = int(request.GET.get("days", 30))
        except ValueError:
            self.days = 30
        if self.days not in PERIODS:
            self.days = 30
        return super().dispatch(request, *args, **kwargs)


# The daily counts drawn as bars, one small chart each: (field, label).
ACTIVITY = (
    ("invitations_issued", gettext_lazy("invitations issued")),
    ("invitations_used", gettext_lazy("invitations used")),
    ("movements", gettext_lazy("movements recorded")),
    ("posts_published", gettext_lazy("posts published")),
    ("events_held", gettext_lazy("events held")),
)


def charts_of(period) -> dict:
    """The period's charts and their figures as tables: shares as lines, counts as bars."""
    days = [row.day for row in period]
    shares = [selectors.shares_of(row) for row in period]
    coverage_series = {
        selectors.SHARES[key][0]: [s[key] for s in shares] for key in selectors.SHARES
    }
    activity_series = {label: [getattr(row, name) for row in period] for name, label in ACTIVITY}
    return {
        "coverage": charts.line_chart(days, coverage_series, y_max=100),
        "coverage_table": charts.figures_table(days, coverage_series),
        "activity": [
            (str(label), charts.bar_chart(days, values, label=label, colour=colour))
            for (label, values), colour in zip(
                activity_series.items(), charts.COLOURS, strict=False
            )
        ]
        if days
        else [],
        "activity_table": charts.figures_table(days, activity_series),
    }


class OverviewView(StatsView):
    """The page; `printing`: the report to print, with every class and the figures' tables."""

    printing = False

    def get(self, request):
        today = self.institution.local_today()
        data = selectors.overview(self.institution, end=self.day, days=self.days, today=today)
        sort = request.GET.get("sort", "")
        classes = selectors.classes_table(self.institution, day=self.day, sort=sort, today=today)
        # Today so far, once recalculated: the figure the compliance board shows now.
        today_snapshot = data["today"]["snapshot"] if data["today"] else None
        return render(
            request,
            "stats/overview.html",
            {
                "institution": self.institution,
                "day": self.day,
                "days": self.days,
                "periods": PERIODS,
                "classes": classes,
                # A page of classes, so that the page does not grow with the institution; the
                # printed report has them all.
                "page": classes if self.printing else paginate(request, classes, CLASSES_PER_PAGE),
                "sort": sort,
                "today_snapshot": today_snapshot,
                "today_share": selectors.shares_of(today_snapshot)["classes_with_chats_share"],
                "printing": self.printing,
                "printed_at": timezone.localtime(timezone.now(), self.institution.tzinfo),
                "can_run": permissions.can(request.user, "stats.view", self.institution),
                "running": services.rollup_in_progress(institution=self.institution),
                **charts_of(data["period"]),
                **data,
            },
        )


class RollupNowView(StatsView):
    def post(self, request):
        services.request_rollup_now(institution=self.institution)
        messages.success(request, _("The statistics are being recalculated."))
        return redirect("stats:overview")


def _kind(name: str) -> str:
    field = UsageSnapshot._meta.get_field(name)
    return exports.DECIMAL if isinstance(field, FloatField) else exports.INTEGER


def _tables(view: StatsView) -> dict[str, exports.Table]:
    """The two tables of the statistics: the institution by day, and the classes on the last
    complete day. Read lazily: only the one a CSV asks for is queried."""
    start = view.day - dt.timedelta(days=view.days - 1)
    institution = view.institution
    period = _("the last %(days)d days, to %(day)s") % {
        "days": view.days,
        "day": view.day.strftime("%d.%m.%Y"),
    }

    def by_day():
        for row in selectors.series(institution, start, view.day):
            yield [row.day] + [getattr(row, n) for n, _l in INSTITUTION_METRICS]

    def by_class():
        for r in selectors.classes_table(institution, day=view.day):
            yield (
                [str(r["unit"])]
                + [r[n] for n, _l in UNIT_METRICS]
                + [r["students_share"], r["parents_share"], r["chats_share"]]
                + [r["students_in_chat_share"], r["parents_in_chat_share"]]
            )

    common = {"institution": institution.name, "tz": institution.tzinfo}
    return {
        "days": exports.Table(
            title=_("Statistics by day"),
            sheet=_("By day"),
            columns=[exports.Column(_("day"), exports.DATE)]
            + [exports.Column(str(label), _kind(n)) for n, label in INSTITUTION_METRICS],
            rows=by_day(),
            filters=[period],
            **common,
        ),
        "classes": exports.Table(
            title=_("Statistics by class"),
            sheet=_("By class"),
            columns=[exports.Column(_("class"))]
            + [exports.Column(str(label), exports.INTEGER) for _n, label in UNIT_METRICS]
            + [
                exports.Column(_("students joined, %"), exports.DECIMAL),
                exports.Column(_("parents joined, %"), exports.DECIMAL),
                exports.Column(_("required chats, %"), exports.DECIMAL),
                exports.Column(_("students in the class chats, %"), exports.DECIMAL),
                exports.Column(_("parents in the class chats, %"), exports.DECIMAL),
            ],
            rows=by_class(),
            filters=[_("on %(day)s") % {"day": view.day.strftime("%d.%m.%Y")}],
            **common,
        ),
    }


def _audit(view: StatsView, fmt: str, tables: list[str]) -> None:
    roles_services.audit(
        institution=view.institution,
        actor=view.request.user,
        action="stats.export",
        summary=_("Statistics exported with the per-class table")
        if "classes" in tables
        else _("Statistics exported by day"),
        data={"days": view.days, "format": fmt, "tables": tables},
    )


def _file_name(view: StatsView, table: str) -> str:
    return exports.file_name(f"sferum-stats-{table}")


class ExportCsvView(StatsView):
    """One table per file: `?table=days` (the default) or `?table=classes`."""

    def get(self, request):
        which = request.GET.get("table", "days")
        tables = _tables(self)
        if which not in tables:
            which = "days"
        _audit(self, "csv", [which])
        return exports.csv_response(tables[which], _file_name(self, which))


class ExportXlsxView(StatsView):
    """Both tables, a sheet each."""

    def get(self, request):
        tables = _tables(self)
        _audit(self, "xlsx", list(tables))
        return exports.xlsx_response(list(tables.values()), _file_name(self, "all"))


class RegionView(View):
    """All institutions side by side: for the municipal operator (superuser)."""

    def get(self, request):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied
        day = timezone.localdate() - dt.timedelta(days=1)
        sort = request.GET.get("sort", "")
        if sort.lstrip("-") not in selectors.REGION_SORTS:
            sort = ""
        page = paginate(request, selectors.region(day=day, sort=sort), REGION_PER_PAGE)
        rows = list(page.object_list)
        institutions = Institution.objects.in_bulk([r["institution_id"] for r in rows])
        for row in rows:
            row["institution"] = institutions[row["institution_id"]]
            row["shares"] = [row[key] for key in selectors.SHARES]
        return render(
            request,
            "stats/region.html",
            {"page": page, "rows": rows, "day": day, "shares": selectors.SHARES, "sort": sort},
        )
