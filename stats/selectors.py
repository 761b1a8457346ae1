"""Reads of the statistics: snapshots only, a fixed number of queries whatever the size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, FloatField, Max, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, NullIf, Round
from django.utils.translation import gettext_lazy as _

from roles.models import Institution, Unit, UnitKind

from .models import INSTITUTION_METRICS, UNIT_METRICS, UnitSnapshot, UsageSnapshot

UNIT_NAMES = [name for name, _l in UNIT_METRICS]

# Shares shown as KPIs: key -> (label, numerator, denominator)
SHARES = {
    "teachers_joined_share": (_("teachers who joined, %"), "teachers_joined", "teachers_total"),
    "students_joined_share": (_("students who joined, %"), "students_joined", "students_total"),
    "parents_joined_share": (_("parents who joined, %"), "parents_joined", "parents_total"),
    "teachers_verified_share": (
        _("teachers verified, %"),
        "teachers_verified",
        "teachers_total",
    ),
    "classes_with_chats_share": (
        _("classes with their required chats, %"),
        "classes_with_chats",
        "classes_total",
    ),
    # Next to "joined through the portal": who is really in the class chats (reconciled ones).
    "students_in_chats_share": (
        _("students present in their class chats, %"),
        "students_in_chats",
        "students_total",
    ),
    "parents_in_chats_share": (
        _("parents present in their class chats, %"),
        "parents_in_chats",
        "parents_total",
    ),
}


def share(numerator: int | None, denominator: int | None) -> float | None:
    if not denominator or numerator is None:
        return None
    return round(100 * numerator / denominator, 1)


def shares_of(snapshot: UsageSnapshot | None) -> dict[str, float | None]:
    if snapshot is None:
        return dict.fromkeys(SHARES)
    return {
        key: share(getattr(snapshot, n), getattr(snapshot, d)) for key, (_l, n, d) in SHARES.items()
    }


@dataclass
class Kpi:
    key: str
    label: str
    value: float | int | None
    week_ago: float | int | None
    month_ago: float | int | None
    percent: bool
    # Today so far (a partial day, from "recalculate now"), when there is a snapshot of it.
    today: float | int | None = None

    @property
    def change_today(self):
        return (
            None if self.value is None or self.today is None else round(self.today - self.value, 1)
        )

    @property
    def change_week(self):
        return (
            None
            if self.value is None or self.week_ago is None
            else round(self.value - self.week_ago, 1)
        )

    @property
    def change_month(self):
        return (
            None
            if self.value is None or self.month_ago is None
            else round(self.value - self.month_ago, 1)
        )


def snapshot_of(institution: Institution, day: dt.date) -> UsageSnapshot | None:
    return UsageSnapshot.objects.filter(institution=institution, day=day).first()


def series(institution: Institution, start: dt.date, end: dt.date) -> list[UsageSnapshot]:
    return list(
        UsageSnapshot.objects.filter(
            institution=institution, day__gte=start, day__lte=end
        ).order_by("day")
    )


# The people counted as joined (through the portal's links), for "joined today so far".
JOINED = ("teachers_joined", "students_joined", "parents_joined")


def overview(
    institution: Institution, *, end: dt.date, days: int, today: dt.date | None = None
) -> dict:
    """KPIs of the last complete day with their change against 7 and 30 days before, and the
    period's series for the charts. Three queries.

    With `today`, the snapshot of the day so far (written by "recalculate now" with the same
    rollup) is read in the same query and shown beside the last complete day, marked partial;
    it is never part of the period's charts."""
    start = end - dt.timedelta(days=max(days, 30))
    rows = series(institution, start, max(end, today) if today else end)
    by_day = {row.day: row for row in rows}
    latest = by_day.get(end)
    partial = by_day.get(today) if today and today > end else None
    week = by_day.get(end - dt.timedelta(days=7))
    month = by_day.get(end - dt.timedelta(days=30))
    kpis = []
    current, w, m = shares_of(latest), shares_of(week), shares_of(month)
    now = shares_of(partial)
    for key, (label, _n, _d) in SHARES.items():
        kpis.append(Kpi(key, label, current[key], w[key], m[key], True, now[key]))
    for name, label in INSTITUTION_METRICS:
        if name.endswith(("_total", "_joined", "_in_chats")) or name == "teachers_verified":
            continue
        kpis.append(
            Kpi(
                name,
                label,
                getattr(latest, name) if latest else None,
                getattr(week, name) if week else None,
                getattr(month, name) if month else None,
                False,
                getattr(partial, name) if partial else None,
            )
        )
    period = [row for row in rows if end - dt.timedelta(days=days) < row.day <= end]
    today_so_far = None
    if partial is not None:
        joined = sum(getattr(partial, n) for n in JOINED)
        today_so_far = {
            "snapshot": partial,
            "day": partial.day,
            "computed_at": partial.computed_at,
            "joined": joined,
            # Since the end of the last complete day (None without its snapshot).
            "joined_since": joined - sum(getattr(latest, n) for n in JOINED) if latest else None,
        }
    return {
        "latest": latest,
        "today": today_so_far,
        "kpis": kpis,
        "period": period,
        "computed_at": UsageSnapshot.objects.filter(institution=institution).aggregate(
            last=Max("computed_at")
        )["last"],
    }


def classes_table(
    institution: Institution, *, day: dt.date, sort: str = "", today: dt.date | None = None
) -> list[dict]:
    """The snapshot of every class on `day`, with its shares, sortable by any column.

    With `today`, the classes created since `day` are listed too: with today's figures so far
    where "recalculate now" has rolled them up, with none yet otherwise; each marked `new`."""
    rows = []
    days = [day, today] if today and today > day else [day]
    snaps = {}
    for snap in (
        UnitSnapshot.objects.filter(institution=institution, day__in=days)
        .select_related("unit")
        .order_by("day")
    ):
        if snap.day == day or snap.unit_id not in snaps:
            snaps[snap.unit_id] = snap
    if len(days) > 1:
        since = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, institution.tzinfo)
        for unit in Unit.objects.filter(
            institution=institution,
            kind=UnitKind.CLASS,
            archived_at__isnull=True,
            created_at__gte=since,
        ).exclude(pk__in=list(snaps)):
            snaps[unit.pk] = UnitSnapshot(unit=unit, day=today, **dict.fromkeys(UNIT_NAMES))
    for snap in snaps.values():
        if snap.day != day and snap.unit.archived_at is not None:
            continue
        row = {
            "unit": snap.unit,
            "new": snap.day != day,
            **{name: getattr(snap, name) for name, _l in UNIT_METRICS},
        }
        row["students_share"] = share(snap.students_joined, snap.students_total)
        row["parents_share"] = share(snap.parents_joined, snap.parents_total)
        row["chats_share"] = share(snap.chats_present, snap.chats_required)
        row["students_in_chat_share"] = share(snap.students_in_chat, snap.students_total)
        row["parents_in_chat_share"] = share(snap.parents_in_chat, snap.parents_total)
        rows.append(row)
    # The classes new today come after the others, whatever the order: their figures are of
    # a day not yet over (or not yet rolled up).
    new = sorted((r for r in rows if r["new"]), key=lambda r: str(r["unit"]))
    rows = [r for r in rows if not r["new"]]
    key = sort.lstrip("-")
    if key and (rows or new) and key in (rows or new)[0] and key != "unit":
        return sorted_none_last(rows, key, descending=sort.startswith("-")) + new
    rows.sort(key=lambda r: str(r["unit"]), reverse=sort == "-unit")
    return rows + new


def sorted_none_last(rows: list[dict], key: str, *, descending: bool) -> list[dict]:
    """Rows without a figure come last whichever way the column is sorted."""
    known = sorted(
        (r for r in rows if r[key] is not None), key=lambda r: r[key], reverse=descending
    )
    return known + [r for r in rows if r[key] is None]


def _share_expression(numerator: str, denominator: str):
    """`share()` in SQL: one decimal, NULL without a denominator."""
    return Case(
        When(**{denominator: 0}, then=Value(None)),
        default=Round(
            Value(100.0) * Cast(numerator, FloatField()) / Cast(denominator, FloatField()),
            1,
        ),
        output_field=FloatField(),
    )


REGION_SORTS = ("institution", *SHARES)


def region(*, day: dt.date, sort: str = "") -> QuerySet:
    """Every institution side by side on one day (the municipal operator's view), its shares
    computed and sorted in the database (rows without a figure last), for the page to page."""
    rows = (
        UsageSnapshot.objects.filter(day=day)
        .annotate(
            institution_name=Coalesce(NullIf("institution__short_name", Value("")),
                                      "institution__name"),
            **{key: _share_expression(n, d) for key, (_l, n, d) in SHARES.items()},
        )
        .values("institution_id", "institution_name", *SHARES)
    )  # fmt: skip
    key = sort.lstrip("-")
    if key in SHARES:
        column = (
            F(key).desc(nulls_last=True) if sort.startswith("-") else F(key).asc(nulls_last=True)
        )
        return rows.order_by(column, "institution_name", "institution_id")
    if sort == "-institution":
        return rows.order_by("-institution_name", "-institution_id")
    return rows.order_by("institution_name", "institution_id")
