"""The statistics pages as each role uses them: permissions, KPIs and their change, periods,
the per-class table, the charts, the exports, "recalculate now" and the operator's view."""

import csv
import datetime as dt
import html
import io
import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from openpyxl import load_workbook

from roles import services as roles_services
from roles.models import AuditEvent, Role, UnitKind
from stats import selectors, services
from stats.models import INSTITUTION_METRICS, UNIT_METRICS, UnitSnapshot, UsageSnapshot

from ..conftest import login
from ..factories import make_institution, make_member, make_unit
from .helpers import DAY, METRICS, small_school

OVERVIEW = reverse("stats:overview")
CSV_URL = reverse("stats:export_csv")
XLSX_URL = reverse("stats:export_xlsx")
ROLLUP = reverse("stats:rollup")
REGION = reverse("stats:region")

ROLES = ["anonymous", "director", "deputy", "admin", "teacher", "student", "parent", "superuser"]
MAY_SEE = {"director", "deputy", "admin", "superuser"}


def text_of(response) -> str:
    return response.content.decode()


def client_for(people, role) -> Client:
    return Client() if role == "anonymous" else login(people[role])


def snapshot(institution, day, **values) -> UsageSnapshot:
    return UsageSnapshot.objects.create(institution=institution, day=day, **values)


def class_snapshot(unit, day, **values) -> UnitSnapshot:
    return UnitSnapshot.objects.create(institution=unit.institution, unit=unit, day=day, **values)


def cyrillic(text: str) -> bool:
    """Words in Russian: Cyrillic letters and no Latin ones."""
    return bool(re.search("[а-яё]", text, re.I)) and not re.search("[a-z]", text, re.I)


def russian_header(cells) -> bool:
    return all(cyrillic(cell) for cell in cells)


# --- who may see what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_statistics_answer_each_role_as_the_rules_say(institution, people, role):
    client = client_for(people, role)

    got = {
        "overview": client.get(OVERVIEW).status_code,
        "csv": client.get(CSV_URL).status_code,
        "xlsx": client.get(XLSX_URL).status_code,
        "rollup": client.post(ROLLUP).status_code,
        "region": client.get(REGION).status_code,
    }

    if role == "anonymous":
        expected = dict.fromkeys(("overview", "csv", "xlsx", "rollup"), 302)
        assert got.pop("region") in (302, 403)
    elif role in MAY_SEE:
        expected = {"overview": 200, "csv": 200, "xlsx": 200, "rollup": 302}
        expected["region"] = 200 if role == "superuser" else 403
    else:
        expected = dict.fromkeys(("overview", "csv", "xlsx", "rollup", "region"), 403)
    assert got == expected
    if role not in MAY_SEE:
        assert not AuditEvent.objects.filter(action="stats.export").exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(db):
    response = Client().get(OVERVIEW)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=/stats/" in response.url


def test_the_page_shows_the_users_current_institution(institution, people):
    response = login(people["director"]).get(OVERVIEW)

    assert response.status_code == 200
    assert response.context["institution"] == institution
    assert response.context["day"] == services.default_day(institution)


def test_another_institution_cannot_be_asked_for(institution, people):
    other = make_institution("Чужая школа")
    stranger = make_member(other, Role.DIRECTOR).user
    snapshot(institution, services.default_day(institution), students_total=77)

    response = login(stranger).get(OVERVIEW, {"institution": institution.pk})

    assert response.status_code == 200
    assert response.context["institution"] == other
    assert response.context["latest"] is None


def test_a_teacher_here_and_director_there_sees_only_the_other_ones_statistics(institution, people):
    other = make_institution("Вторая школа")
    person = make_member(other, Role.DIRECTOR)
    user = person.user
    here = roles_services.create_person(
        institution=institution, kind="staff", last_name="Двойкина", first_name="Ольга", user=user
    )
    roles_services.enrol(
        person=here,
        unit=roles_services.staff_room(institution),
        role=Role.TEACHER,
        effective_date=dt.date(2025, 9, 1),
    )
    client = login(user)

    assert client.get(OVERVIEW, {"institution": institution.pk}).status_code == 403
    response = client.get(OVERVIEW, {"institution": other.pk})
    assert response.status_code == 200
    assert response.context["institution"] == other


def test_the_operator_sees_every_institution_side_by_side_and_sorts_them(people, institution):
    day = timezone.localdate() - DAY
    others = [make_institution(f"Школа {n}") for n in (1, 2)]
    for inst, joined in zip([institution, *others], (50, 10, 90), strict=True):
        snapshot(inst, day, students_total=100, students_joined=joined, teachers_total=0)
    client = login(people["superuser"])

    response = client.get(REGION, {"sort": "students_joined_share"})

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["students_joined_share"] for r in rows] == [10.0, 50.0, 90.0]
    assert [r["institution"] for r in rows] == [others[0], institution, others[1]]
    page = text_of(response)
    cells = [f"<td>{inst}</td>" for inst in (others[0], institution, others[1])]
    assert page.index(cells[0]) < page.index(cells[1]) < page.index(cells[2])
    assert [
        r["students_joined_share"]
        for r in client.get(REGION, {"sort": "-students_joined_share"}).context["rows"]
    ] == [90.0, 50.0, 10.0]


# --- the page reads snapshots only ---------------------------------------------------------------


def _page_queries(user) -> tuple[int, list[str], object]:
    client = login(user)
    assert client.get(OVERVIEW).status_code == 200  # warm-up: the session, the zone
    with CaptureQueriesContext(connection) as captured:
        response = client.get(OVERVIEW)
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries], response


def test_the_page_runs_the_same_queries_for_a_small_and_a_large_institution(db):
    sizes = {"small": 1, "large": 8}
    directors = {}
    for name, classes in sizes.items():
        inst = make_institution(f"Учреждение ({name})")
        last = services.default_day(inst)
        small_school(inst, last, classes=classes)
        services.rollup_range(start=last - 9 * DAY, end=last, institution=inst)
        directors[name] = make_member(inst, Role.DIRECTOR).user

    small_count, _sql, small_page = _page_queries(directors["small"])
    large_count, large_sql, large_page = _page_queries(directors["large"])

    assert len(small_page.context["classes"]) == 1
    assert len(large_page.context["classes"]) == 8
    assert len(large_page.context["period"]) == 10
    assert large_count == small_count
    # Snapshots only: none of the other apps' tables is read to draw the page.
    read = " ".join(large_sql)
    for table in ("invitations_invitation", "invitations_joinrequest", "chats_chat"):
        assert f'FROM "{table}"' not in read and f'JOIN "{table}"' not in read, table


# --- KPIs and their change -----------------------------------------------------------------------


@pytest.fixture
def history(institution):
    """Snapshots of yesterday (D0), D0-7 and D0-30, and decoys one day off each."""
    d0 = services.default_day(institution)
    base = {
        "teachers_total": 10,
        "students_total": 200,
        "parents_total": 300,
        "classes_total": 8,
    }
    snapshot(
        institution,
        d0,
        **base,
        teachers_joined=8,
        teachers_verified=9,
        students_joined=150,
        parents_joined=90,
        classes_with_chats=6,
        invitations_issued=12,
        invitations_used=7,
        invitations_expired=2,
        invitations_annulled=1,
        join_requests_waiting=4,
        join_request_wait_hours=3.5,
        movements=5,
        posts_published=3,
        events_held=2,
    )
    snapshot(
        institution,
        d0 - 7 * DAY,
        **base,
        teachers_joined=6,
        teachers_verified=5,
        students_joined=100,
        parents_joined=60,
        classes_with_chats=4,
        invitations_issued=5,
        join_requests_waiting=4,
        join_request_wait_hours=5.0,
        movements=9,
        posts_published=1,
    )
    snapshot(
        institution,
        d0 - 30 * DAY,
        **base,
        teachers_joined=5,
        teachers_verified=1,
        students_joined=20,
        parents_joined=30,
        classes_with_chats=0,
        invitations_issued=20,
        movements=5,
        events_held=4,
    )
    for offset in (1, 6, 8, 29, 31):  # anything taken from these would show
        snapshot(institution, d0 - offset * DAY, teachers_total=1, invitations_issued=999)
    return d0


# key -> (value, change against 7 days before, change against 30 days before)
EXPECTED_KPIS = {
    "teachers_joined_share": (80.0, 20.0, 30.0),
    "students_joined_share": (75.0, 25.0, 65.0),
    "parents_joined_share": (30.0, 10.0, 20.0),
    "teachers_verified_share": (90.0, 40.0, 80.0),
    "classes_with_chats_share": (75.0, 25.0, 75.0),
    # No class chat of the history was reconciled: nobody is counted as present in one.
    "students_in_chats_share": (0.0, 0.0, 0.0),
    "parents_in_chats_share": (0.0, 0.0, 0.0),
    "classes_reconciled": (0, 0, 0),
    "classes_with_chats": (6, 2, 6),
    "invitations_issued": (12, 7, -8),
    "invitations_used": (7, 7, 7),
    "invitations_expired": (2, 2, 2),
    "invitations_annulled": (1, 1, 1),
    "join_requests_waiting": (4, 0, 4),
    "join_request_wait_hours": (3.5, -1.5, None),
    "movements": (5, -4, 0),
    "posts_published": (3, 2, 3),
    "events_held": (2, 2, -2),
}


def test_each_kpi_shows_yesterdays_figure_and_its_change_against_7_and_30_days(
    institution, people, history
):
    response = login(people["director"]).get(OVERVIEW)

    assert response.status_code == 200
    assert response.context["latest"] == UsageSnapshot.objects.get(
        institution=institution, day=history
    )
    got = {k.key: (k.value, k.change_week, k.change_month) for k in response.context["kpis"]}
    assert got == EXPECTED_KPIS


def test_the_kpi_cards_print_the_snapshots_figures_in_russian_notation(people, history):
    response = login(people["director"]).get(OVERVIEW)
    cards = re.findall(
        r'<div class="small text-muted">(.*?)</div>\s*<div class="h4 mb-0">(.*?)</div>\s*'
        r'<div class="small">(.*?)</div>',
        text_of(response),
        re.S,
    )

    def shown(number) -> str:
        if number is None:
            return "—"
        sign = "+" if number > 0 else ""
        return sign + str(formats.localize(number, use_l10n=True))

    with translation.override("ru"):
        labels = {k.key: str(k.label) for k in response.context["kpis"]}
        expected = [
            (
                labels[key][:1].upper() + labels[key][1:],
                str(formats.localize(value, use_l10n=True)),
                f"7 дней: {shown(week)} · 30 дней: {shown(month)}",
            )
            for key, (value, week, month) in EXPECTED_KPIS.items()
        ]
    got = [
        (html.unescape(label).strip(), value.strip(), re.sub(r"\s+", " ", html.unescape(change)))
        for label, value, change in cards
    ]
    assert [(label, value, change.strip()) for label, value, change in got] == expected
    assert ("Вступило учителей, %", "80,0", "7 дней: +20,0 · 30 дней: +30,0") in got


def test_without_yesterdays_snapshot_the_page_says_so(institution, people):
    snapshot(institution, services.default_day(institution) - 3 * DAY, students_total=5)

    response = login(people["director"]).get(OVERVIEW)

    assert response.status_code == 200
    assert response.context["latest"] is None
    assert "Данных за последний завершённый день пока нет" in text_of(response)


def test_the_page_says_when_the_data_was_last_rolled_up(institution, people):
    services.rollup(institution=institution)
    stamp = UsageSnapshot.objects.get(institution=institution).computed_at

    response = login(people["director"]).get(OVERVIEW)

    assert response.context["computed_at"] == stamp
    local = timezone.localtime(stamp, institution.tzinfo)
    assert "Последний пересчёт:" in text_of(response)
    assert local.strftime("%H:%M") in text_of(response)


# --- the period, the charts and the per-class table ----------------------------------------------


@pytest.fixture
def hundred_days(institution):
    d0 = services.default_day(institution)
    for offset in range(100):
        snapshot(
            institution,
            d0 - offset * DAY,
            teachers_total=10,
            teachers_joined=offset % 10,
            invitations_issued=offset,
            invitations_used=offset % 3,
        )
    return d0


@pytest.mark.parametrize(
    ("asked", "days"),
    [("7", 7), ("30", 30), ("90", 90), (None, 30), ("15", 30), ("abc", 30), ("-7", 30)],
)
def test_the_period_switch_takes_7_30_or_90_days_and_falls_back_to_30(
    people, hundred_days, asked, days
):
    params = {"days": asked} if asked is not None else {}

    response = login(people["director"]).get(OVERVIEW, params)

    assert response.status_code == 200
    assert response.context["days"] == days
    period = response.context["period"]
    assert [row.day for row in period] == [hundred_days - n * DAY for n in reversed(range(days))]
    activity = response.context["activity"]
    assert len(activity) == 5  # one bar chart per daily count
    for _title, chart in activity:
        assert chart.kind == "bar" and len(chart.series[0].bars) == days
        assert chart.x_ticks[-1].label == hundred_days.strftime("%d.%m")
        assert 2 <= len(chart.x_ticks) <= 8
    coverage = response.context["coverage"]
    assert coverage.kind == "line" and len(coverage.series) == len(selectors.SHARES)
    assert len(response.context["activity_table"].rows) == days
    assert f'btn-primary" href="?days={days}"' in text_of(response)


def test_the_charts_are_svg_drawn_on_the_server_and_need_nothing_from_outside(people, hundred_days):
    response = login(people["director"]).get(OVERVIEW, {"days": 7})
    page = text_of(response)

    assert page.count("<svg") >= 6
    lines = sum(len(s.segments) for s in response.context["coverage"].series)
    # the shares (joined, verified, with chats, present in the class chats) as lines
    assert lines and page.count("<polyline") == lines
    assert page.count("<rect") == 5 * 7  # the five daily counts as bars, a bar a day
    for points in re.findall(r'<polyline[^>]* points="([^"]*)"', page):
        for point in points.split():
            x, y = (float(v) for v in point.split(","))
            assert 0 <= x <= 640 and 0 <= y <= 200
    sources = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert not re.search(r"<script(?![^>]*src=\"/static/)", page)


def test_an_empty_period_draws_no_chart_but_says_why(people):
    response = login(people["director"]).get(OVERVIEW)

    assert response.context["coverage"] is None
    assert "<polyline" not in text_of(response)
    assert "За этот период данных пока нет" in text_of(response)


@pytest.fixture
def class_table(institution):
    d0 = services.default_day(institution)
    units = {
        name: make_unit(institution, UnitKind.CLASS, name, academic_year="2026/2027")
        for name in ("1А", "1Б", "1В")
    }
    class_snapshot(units["1А"], d0, students_total=4, students_joined=2, teachers_total=1)
    class_snapshot(units["1Б"], d0, students_total=2, students_joined=2, teachers_total=2)
    class_snapshot(units["1В"], d0, students_total=5, students_joined=0, teachers_total=3)
    class_snapshot(units["1В"], d0 - DAY, students_total=5, students_joined=5)  # not shown
    return units


def _table_order(response) -> list[str]:
    page = text_of(response)
    table = page[page.index("<table") :]
    return re.findall(r">(1[АБВГ]) \(2026/2027\)</a>", table)


def test_the_class_table_shows_fifty_classes_a_page_in_the_chosen_order(institution, people):
    d0 = services.default_day(institution)
    for n in range(60):
        unit = make_unit(institution, UnitKind.CLASS, f"Класс {n:02d}")
        class_snapshot(unit, d0, students_total=100, students_joined=n)
    director = login(people["director"])

    first = director.get(OVERVIEW, {"sort": "-students_share"})
    second = director.get(OVERVIEW, {"sort": "-students_share", "page": 2})

    def shown(response):
        return re.findall(r">(Класс \d\d)[^<]*</a>", text_of(response))

    assert shown(first) == [f"Класс {n:02d}" for n in range(59, 9, -1)]
    assert shown(second) == [f"Класс {n:02d}" for n in range(9, -1, -1)]
    assert "страница 1 из 2" in text_of(first)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["1А", "1Б", "1В"]),
        ("-students_share", ["1Б", "1А", "1В"]),
        ("students_share", ["1В", "1А", "1Б"]),
        ("-teachers_total", ["1В", "1Б", "1А"]),
        ("-unit", ["1В", "1Б", "1А"]),
        ("no_such_column", ["1А", "1Б", "1В"]),
    ],
)
def test_the_class_table_sorts_by_any_column(people, class_table, sort, order):
    response = login(people["director"]).get(OVERVIEW, {"sort": sort})

    # Issue 13 (item 6): the class created today (11Б of the fixture) is listed too, after the
    # classes of the last complete day whatever the order.
    classes = [r for r in response.context["classes"] if not r["new"]]
    assert [r["unit"].name for r in response.context["classes"]][-1] == "11Б"
    assert [r["unit"].name for r in classes] == order
    assert _table_order(response) == order
    assert [r["students_share"] for r in classes] == [
        {"1А": 50.0, "1Б": 100.0, "1В": 0.0}[name] for name in order
    ]


def test_the_class_table_links_each_class_to_its_page(institution, people, class_table):
    page = text_of(login(people["director"]).get(OVERVIEW))

    for unit in class_table.values():
        assert reverse("roles:unit", args=[institution.pk, unit.pk]) in page


def test_classes_without_a_figure_sort_last_in_either_direction(people, class_table, institution):
    empty = make_unit(institution, UnitKind.CLASS, "1Г", academic_year="2026/2027")
    class_snapshot(empty, services.default_day(institution), students_total=0)
    client = login(people["director"])

    ascending = client.get(OVERVIEW, {"sort": "students_share"})
    descending = client.get(OVERVIEW, {"sort": "-students_share"})

    assert _table_order(ascending)[-1] == "1Г"
    assert _table_order(descending)[-1] == "1Г"


# --- exports -------------------------------------------------------------------------------------


@pytest.fixture
def exportable(institution, hundred_days, class_table):
    UsageSnapshot.objects.filter(institution=institution, day=hundred_days).update(
        join_request_wait_hours=2.5
    )
    return hundred_days


def _day_rows(institution, last, days):
    return list(
        UsageSnapshot.objects.filter(
            institution=institution, day__gt=last - days * DAY, day__lte=last
        ).order_by("day")
    )


def _csv(response) -> list[list[str]]:
    content = response.getvalue()
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_csv_export_by_day_has_one_row_per_day_and_nothing_else(
    institution, people, exportable, days
):
    response = login(people["director"]).get(CSV_URL, {"days": days})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header = rows[0]
    assert header[0] == "дата"
    assert len(header) == 1 + len(INSTITUTION_METRICS)
    assert russian_header(header), header
    assert "учителя" in header and "выдано ссылок-приглашений" in header

    snapshots = _day_rows(institution, exportable, days)
    assert len(snapshots) == days
    assert len(rows) == 1 + days  # one table per file: no second table below
    for row, snap in zip(rows[1:], snapshots, strict=True):
        assert row[0] == snap.day.strftime("%d.%m.%Y")
        expected = [getattr(snap, name) for name in METRICS]
        assert row[1:] == [
            "" if v is None else str(v) if isinstance(v, int) else f"{v:.1f}".replace(".", ",")
            for v in expected
        ]
    wait = METRICS.index("join_request_wait_hours") + 1
    assert rows[-1][wait] == "2,5"


def test_the_csv_export_by_class_is_a_file_of_its_own(institution, people, exportable, class_table):
    rows = _csv(login(people["director"]).get(CSV_URL, {"table": "classes"}))

    class_header, class_rows = rows[0], rows[1:]
    assert class_header[0] == "класс"
    assert len(class_header) == 1 + len(UNIT_METRICS) + 5
    assert russian_header(class_header[: 1 + len(UNIT_METRICS)]), class_header
    assert [r[0] for r in class_rows] == ["1А (2026/2027)", "1Б (2026/2027)", "1В (2026/2027)"]
    first = UnitSnapshot.objects.get(unit=class_table["1А"], day=exportable)
    assert class_rows[0][1 : 1 + len(UNIT_METRICS)] == [
        str(getattr(first, name)) for name, _l in UNIT_METRICS
    ]


def test_the_xlsx_export_has_two_sheets_with_typed_cells(
    institution, people, exportable, class_table
):
    from ..exports import check_layout, sheet_rows

    response = login(people["director"]).get(XLSX_URL)

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    book = load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["По дням", "По классам"]
    sheet = book["По дням"]
    assert sheet["A2"].value == institution.name
    header, by_day = sheet_rows(sheet)
    check_layout(sheet, len(header))
    assert header[0] == "дата"
    assert russian_header(header), header
    snapshots = _day_rows(institution, exportable, 30)
    assert len(by_day) == 30
    for row, snap in zip(by_day, snapshots, strict=True):
        assert row[0] == dt.datetime.combine(snap.day, dt.time())
        assert list(row[1:]) == [getattr(snap, name) for name in METRICS]
    assert by_day[-1][METRICS.index("join_request_wait_hours") + 1] == 2.5
    assert sheet.cell(row=6, column=1).is_date
    assert sheet.cell(row=6, column=2).data_type == "n"

    class_sheet = book["По классам"]
    class_header, by_class = sheet_rows(class_sheet)
    check_layout(class_sheet, len(class_header))
    assert class_header[0] == "класс"
    assert russian_header(class_header[: 1 + len(UNIT_METRICS)]), class_header
    assert len(by_class) == 3
    for row in by_class:
        unit = class_table[row[0].split()[0]]
        snap = UnitSnapshot.objects.get(unit=unit, day=exportable)
        assert row[1 : 1 + len(UNIT_METRICS)] == [getattr(snap, n) for n, _l in UNIT_METRICS]


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_every_export_is_written_to_the_audit_log(institution, people, exportable, url):
    user = people["deputy"]

    assert login(user).get(url, {"days": 7}).status_code == 200

    event = AuditEvent.objects.get(action="stats.export")
    assert (event.institution, event.actor) == (institution, user)
    assert event.data.get("days") == 7
    assert event.summary == translation.gettext(
        "Statistics exported by day"
        if url == CSV_URL
        else "Statistics exported with the per-class table"
    )


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_teachers_cannot_export(people, exportable, url):
    assert login(people["teacher"]).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="stats.export").exists()


FORMULA = '=HYPERLINK("https://evil.example/","Отчёт")'


@pytest.fixture
def formula_class(institution):
    unit = make_unit(institution, UnitKind.CLASS, FORMULA, academic_year="2026/2027")
    class_snapshot(unit, services.default_day(institution), students_total=1)
    return unit


def test_the_csv_export_never_writes_a_cell_that_excel_would_run(people, formula_class):
    rows = _csv(login(people["director"]).get(CSV_URL, {"table": "classes"}))

    cells = [cell for row in rows for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_the_xlsx_export_never_writes_a_formula(people, formula_class):
    book = load_workbook(io.BytesIO(login(people["director"]).get(XLSX_URL).getvalue()))

    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert any("HYPERLINK" in str(cell.value) for cell in cells)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


# --- "recalculate now" ---------------------------------------------------------------------------


def test_recalculate_now_rolls_up_yesterday_in_the_background(job_worker):
    inst = make_institution("Школа с кнопкой")
    small_school(inst, services.default_day(inst))
    admin = make_member(inst, Role.ADMIN).user
    client = login(admin)
    day = services.default_day(inst)

    response = client.post(ROLLUP, follow=True)

    assert response.redirect_chain == [(OVERVIEW, 302)]
    assert "Статистика пересчитывается" in text_of(response)
    deadline = time.monotonic() + 30
    while not UsageSnapshot.objects.filter(institution=inst, day=day).exists():
        assert time.monotonic() < deadline, "the rollup did not run"
        time.sleep(0.1)
    assert UnitSnapshot.objects.filter(institution=inst, day=day).count() == 1
    page = client.get(OVERVIEW)
    assert page.context["latest"].students_joined == 1
    assert page.context["computed_at"] is not None


def test_recalculate_now_shows_its_progress_until_the_job_is_done(institution, people):
    """Inside a test's transaction the queued job never runs: the page is seen while it waits,
    then the job is run by hand."""
    client = login(people["admin"])

    waiting = client.post(ROLLUP, follow=True)

    assert services.rollup_in_progress(institution=institution)
    assert '<meta http-equiv="refresh"' in text_of(waiting)
    assert "страница обновится сама" in text_of(waiting)
    assert client.get(OVERVIEW).context["running"] is True

    written = services.rollup_now(institution=institution)  # what the job does

    # Yesterday (the class 11Б was created today: not yet) and today so far (with it).
    assert written == 1 + (1 + 1)
    done = client.get(OVERVIEW)
    assert not services.rollup_in_progress(institution=institution)
    assert '<meta http-equiv="refresh"' not in text_of(done)
    assert done.context["latest"] is not None
    assert UsageSnapshot.objects.filter(
        institution=institution, day=institution.local_today()
    ).exists()


def test_recalculating_needs_a_post(people):
    assert login(people["admin"]).get(ROLLUP).status_code == 405


# --- the charts on their own ---------------------------------------------------------------------


def test_a_line_chart_breaks_at_missing_values_and_scales_to_its_top():
    from stats.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, line_chart

    days = [dt.date(2026, 3, 1) + n * DAY for n in range(3)]
    chart = line_chart(days, {"a": [0, None, 50], "b": [100, 100, 100]}, y_max=100)

    a, b = chart.series
    middle = (HEIGHT - BOTTOM + TOP) / 2
    assert a.segments == [f"{LEFT:.1f},{HEIGHT - BOTTOM:.1f}", f"{WIDTH - RIGHT:.1f},{middle:.1f}"]
    assert len(b.segments) == 1 and all(p.endswith(f",{TOP:.1f}") for p in b.segments[0].split())
    assert a.dash != b.dash and a.colour != b.colour
    assert [t.label for t in chart.x_ticks] == ["01.03", "02.03", "03.03"]
    assert [t.label for t in chart.y_ticks] == ["0", "25", "50", "75", "100"]
    assert line_chart([], {"a": []}) is None


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, ["0", "1"]),
        (3, ["0", "1", "2", "3"]),
        (7, ["0", "2", "4", "6", "8"]),
        (23, ["0", "5", "10", "15", "20", "25"]),
        (480, ["0", "100", "200", "300", "400", "500"]),
    ],
)
def test_a_bar_chart_counts_in_whole_numbers(peak, ticks):
    from stats.charts import bar_chart

    days = [dt.date(2026, 3, 1) + n * DAY for n in range(90)]
    chart = bar_chart(days, [peak] * 89 + [None])

    assert [t.label for t in chart.y_ticks] == ticks
    assert len(chart.series[0].bars) == 89  # no bar for a day without a figure
    assert len(chart.x_ticks) <= 8 and chart.x_ticks[-1].label == "29.05"


def test_chart_numbers_are_written_in_russian():
    from stats.charts import figures_table, number

    with translation.override("ru"):
        assert number(12.5) == "12,5"
        assert number(3) == "3"
        assert number(None) == "—"
        table = figures_table([dt.date(2026, 11, 1)], {"доля, %": [33.3]})
    assert table.rows == [["01.11.2026", "33,3"]]


def test_the_shares_are_none_without_a_denominator():
    assert selectors.share(1, 3) == 33.3
    assert selectors.share(0, 0) is None
    assert selectors.shares_of(None) == dict.fromkeys(selectors.SHARES)
