"""sferum_portal.exports on its own: typed cells, widths, the frozen header, formula-safe text,
one table per CSV, and files written without holding the rows in memory."""

import datetime as dt
import io
import tracemalloc
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import pgettext
from openpyxl import load_workbook

from sferum_portal import exports as ex

from .exports import HEADER_ROW, check_layout, csv_rows, sheet_rows

MOSCOW = ZoneInfo("Europe/Moscow")
WHEN = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)  # 12:30 in Moscow
COLUMNS = [
    ex.Column("фамилия и имя"),
    ex.Column("учеников", ex.INTEGER),
    ex.Column("доля, %", ex.DECIMAL),
    ex.Column("дата", ex.DATE),
    ex.Column("когда", ex.DATETIME),
    ex.Column("вступил", ex.BOOLEAN),
]


def table(rows, **kwargs) -> ex.Table:
    kwargs.setdefault("institution", "МОУДО «ЦДОД»")
    kwargs.setdefault("tz", MOSCOW)
    return ex.Table("Люди", COLUMNS, rows, **kwargs)


ROW = ["Иванова Мария", 25, 12.5, dt.date(2026, 11, 1), WHEN, True]


def test_a_workbook_has_a_title_a_frozen_bold_header_and_typed_cells():
    exported = dt.datetime(2026, 11, 2, 6, 5, tzinfo=dt.UTC)
    response = ex.xlsx_response(
        table([ROW, [None] * 6], filters=["класс: 5А"], created=exported), "people"
    )

    assert response["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    book = load_workbook(io.BytesIO(response.getvalue()))
    sheet = book["Люди"]
    assert [sheet[f"A{n}"].value for n in (1, 2)] == ["Люди", "МОУДО «ЦДОД»"]
    assert "класс: 5А" in sheet["A3"].value and "02.11.2026 09:05" in sheet["A3"].value
    header, rows = sheet_rows(sheet)
    check_layout(sheet, len(COLUMNS))
    assert header == [c.title for c in COLUMNS]
    assert rows[0] == [
        "Иванова Мария",
        25,
        12.5,
        dt.datetime(2026, 11, 1),
        dt.datetime(2026, 11, 1, 12, 30),  # in the institution's zone
        True,
    ]
    assert rows[1:] in ([], [[None] * 6])  # an empty row stays empty
    cells = sheet[HEADER_ROW + 1]
    assert [c.data_type for c in cells] == ["s", "n", "n", "d", "d", "b"]
    assert cells[3].number_format == "DD.MM.YYYY" and cells[4].number_format.startswith("DD.MM")
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:F{HEADER_ROW + 2}"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.page_setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert book.properties.title == "Люди" and book.properties.subject == "МОУДО «ЦДОД»"


def test_widths_fit_the_longest_value_and_the_header_wraps():
    long_name = "Константинопольская-Преображенская Александра"
    sheet = load_workbook(io.BytesIO(ex.xlsx_file([table([ROW, [long_name, *ROW[1:]]])]).read()))[
        "Люди"
    ]

    widths = {c: sheet.column_dimensions[c].width for c in "ABCDEF"}
    assert widths["A"] >= len(long_name)
    assert widths["D"] >= 10 and widths["E"] >= 16  # 01.11.2026, 01.11.2026 12:30
    assert widths["B"] < 20  # a column of small numbers is not as wide as its header
    assert sheet.cell(row=HEADER_ROW, column=2).alignment.wrap_text


def test_text_is_never_a_formula_and_control_characters_are_dropped():
    evil = ['=HYPERLINK("https://evil.example/","x")', "+7 900", "-1", "@SUM(A1)", "tab\x0bbed"]
    rows = [[text, None, None, None, None, None] for text in evil]

    sheet = load_workbook(io.BytesIO(ex.xlsx_file([table(rows)]).read()))["Люди"]
    _header, read = sheet_rows(sheet)
    assert [r[0] for r in read] == [*evil[:4], "tabbed"]
    cells = [sheet.cell(row=HEADER_ROW + 1 + n, column=1) for n in range(len(evil))]
    assert {c.data_type for c in cells} == {"s"}
    assert all(c.quotePrefix for c in cells[:4])

    response = ex.csv_response(table(iter(rows)), "evil")
    header, *data = csv_rows(response)
    assert [r[0] for r in data[:4]] == [f"'{t}" for t in evil[:4]]


def test_a_csv_is_one_table_in_russian_formats():
    with translation.override("ru"):
        rows = csv_rows(ex.csv_response(table([ROW, [None] * 6]), "people"))

    assert rows == [
        [c.title for c in COLUMNS],
        [
            "Иванова Мария",
            "25",
            "12,5",
            "01.11.2026",
            "01.11.2026 12:30",
            pgettext("export", "yes"),
        ],
        [""] * 6,
    ]


def test_sheet_names_are_valid_and_unique():
    tables = [
        ex.Table("Итоги: 5/6 [все]?", COLUMNS, []),
        ex.Table("Итоги: 5/6 [все]?", COLUMNS, []),
    ]

    book = load_workbook(io.BytesIO(ex.xlsx_file(tables).read()))

    assert len(book.sheetnames) == 2 and len(set(book.sheetnames)) == 2
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in book.sheetnames)


def test_thousands_of_rows_are_written_without_holding_them():
    def rows(n):
        for i in range(n):
            yield [
                f"Ученик {i:06d} Длиннофамильный",
                i,
                i / 7,
                dt.date(2026, 1, 1),
                WHEN,
                i % 2 == 0,
            ]

    tracemalloc.start()
    try:
        ex.xlsx_file([table(rows(10_000))]).close()
        ex.csv_file(table(rows(10_000))).close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024, peak  # 10,000 rows of six cells held would be far more


def test_display_rows_are_what_a_printed_page_shows():
    with translation.override("ru"):
        assert list(ex.display_rows(table([ROW]))) == [
            [
                "Иванова Мария",
                "25",
                "12,5",
                "01.11.2026",
                "01.11.2026 12:30",
                pgettext("export", "yes"),
            ]
        ]
