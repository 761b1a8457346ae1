"""The director's statistics: snapshots only, exports, the operator's view of the region."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from roles import permissions
from roles import services as roles_services
from roles.web import current_institution, paginate, remember_institution
from sferum_portal.exports import SafeCsvWriter, safe_cell

from . import charts, selectors, services
from .models import INSTITUTION_METRICS, UNIT_METRICS
from .services import default_day

PERIODS = (7, 30, 90)
CLASSES_PER_PAGE = 50


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


class OverviewView(StatsView):
    def get(self, request):
        data = selectors.overview(self.institution, end=self.day, days=self.days)
        period = data["period"]
        days = [row.day for row in period]
        shares = [selectors.shares_of(row) for row in period]
        coverage = charts.line_chart(
            days,
            {selectors.SHARES[key][0]: [s[key] for s in shares] for key in selectors.SHARES},
            y_max=100,
        )
        activity = charts.line_chart(
            days,
            {
                _("invitations used"): [row.invitations_used for row in period],
                _("invitations issued"): [row.invitations_issued for row in period],
                _("movements recorded"): [row.movements for row in period],
                _("posts published"): [row.posts_published for row in period],
                _("events held"): [row.events_held for row in period],
            },
        )
        sort = request.GET.get("sort", "")
        classes = selectors.classes_table(self.institution, day=self.day, sort=sort)
        return render(
            request,
            "stats/overview.html",
            {
                "institution": self.institution,
                "day": self.day,
                "days": self.days,
                "periods": PERIODS,
                "coverage": coverage,
                "activity": activity,
                "classes": classes,
                # A page of classes, so that the page does not grow with the institution.
                "page": paginate(request, classes, CLASSES_PER_PAGE),
                "sort": sort,
                "can_run": permissions.can(request.user, "stats.view", self.institution),
                "running": services.rollup_in_progress(institution=self.institution),
                **data,
            },
        )


class RollupNowView(StatsView):
    def post(self, request):
        services.request_rollup_now(institution=self.institution)
        messages.success(request, _("The statistics are being recalculated."))
        return redirect("stats:overview")


def _export_rows(view: StatsView):
    start = view.day - dt.timedelta(days=view.days - 1)
    period = selectors.series(view.institution, start, view.day)
    header = [_("day")] + [str(label) for _n, label in INSTITUTION_METRICS]
    rows = [
        [row.day.isoformat()] + [getattr(row, n) for n, _l in INSTITUTION_METRICS] for row in period
    ]
    class_header = [_("class")] + [str(label) for _n, label in UNIT_METRICS]
    classes = [
        [str(r["unit"])] + [r[n] for n, _l in UNIT_METRICS]
        for r in selectors.classes_table(view.institution, day=view.day)
    ]
    roles_services.audit(
        institution=view.institution,
        actor=view.request.user,
        action="stats.export",
        summary=_("Statistics exported with the per-class table"),
        data={"days": view.days},
    )
    return header, rows, class_header, classes


class ExportCsvView(StatsView):
    def get(self, request):
        header, rows, class_header, classes = _export_rows(self)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sferum-stats.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark
        writer = SafeCsvWriter(response)
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow([])
        writer.writerow(class_header)
        writer.writerows(classes)
        return response


class ExportXlsxView(StatsView):
    def get(self, request):
        from openpyxl import Workbook

        header, rows, class_header, classes = _export_rows(self)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("By day")[:31]
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        by_class = workbook.create_sheet(_("By class")[:31])
        by_class.append(class_header)
        for row in classes:
            by_class.append([safe_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="sferum-stats.xlsx"'
        return response


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
        return render(
            request,
            "stats/region.html",
            {"rows": selectors.region(day=day, sort=sort), "day": day, "shares": selectors.SHARES},
        )
