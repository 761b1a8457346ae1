"""Reading a roster file: CSV in UTF-8 or Windows-1251, XLSX, English or Russian headers, and the
files that cannot be read.
"""

import io

import pytest

from roles.roster import RosterFileError, read_roster

from ..roster_helpers import (
    BASE_ROWS,
    DEPARTMENT,
    EN_HEADER,
    ROW_OF,
    RU_HEADER,
    csv_bytes,
    roster_file,
    xlsx_bytes,
)


def test_reads_a_utf8_csv_with_commas_and_english_headers():
    rows = read_roster(csv_bytes(BASE_ROWS), "roster.csv")

    assert [r.number for r in rows] == list(range(2, 9))
    first, p2 = rows[0], rows[-1]
    assert (first.external_id, first.last_name, first.first_name, first.patronymic) == (
        "T-1",
        "Смирнова",
        "Ольга",
        "Петровна",
    )
    assert (first.kind_raw, first.unit_name, first.guardian_of) == ("staff", DEPARTMENT, [])
    assert p2.guardian_of == ["S-2", "S-3"]


def test_reads_a_cp1251_csv_with_semicolons_and_russian_headers():
    data, _ = roster_file("csv-cp1251-semicolon-ru", BASE_ROWS)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really Windows-1251, not UTF-8

    rows = read_roster(data, "roster.csv")

    assert [r.external_id for r in rows] == [row[0] for row in BASE_ROWS]
    s1 = rows[ROW_OF["S-1"] - 2]
    assert (s1.number, s1.last_name, s1.first_name, s1.kind_raw, s1.unit_name) == (
        ROW_OF["S-1"],
        "Иванов",
        "Пётр",
        "обучающийся",
        "3А",
    )
    assert rows[-1].guardian_of == ["S-2", "S-3"]


@pytest.mark.parametrize("header", [EN_HEADER, RU_HEADER], ids=["english", "russian"])
def test_reads_an_xlsx_workbook(header):
    rows = read_roster(xlsx_bytes(BASE_ROWS, header), "Список класса.xlsx")

    assert [r.number for r in rows] == list(range(2, 9))
    assert [(r.external_id, r.last_name, r.unit_name) for r in rows] == [
        (row[0], row[1], row[5]) for row in BASE_ROWS
    ]
    assert rows[-1].guardian_of == ["S-2", "S-3"]


def test_xlsx_identifiers_typed_as_numbers_are_read_as_text():
    data = xlsx_bytes(
        [
            (1001, "Иванов", "Пётр", "", "student", "3А", ""),
            (1002.0, "Иванова", "Анна", "", "parent", "", 1001),
        ]
    )

    rows = read_roster(data, "roster.xlsx")

    assert [r.external_id for r in rows] == ["1001", "1002"]
    assert rows[1].guardian_of == ["1001"]


def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    data = (
        csv_bytes(BASE_ROWS[:2])
        + b"\r\n,,,,,,\r\n"
        + csv_bytes(BASE_ROWS[2:3]).split(b"\r\n", 1)[1]
    )

    rows = read_roster(data, "roster.csv")

    assert [(r.number, r.external_id) for r in rows] == [(2, "T-1"), (3, "T-2"), (6, "S-1")]


def test_a_blank_line_before_a_semicolon_header_is_skipped():
    data = b"\r\n" + roster_file("csv-cp1251-semicolon-ru", BASE_ROWS)[0]

    assert [r.number for r in read_roster(data, "roster.csv")] == list(range(3, 10))


def test_an_unterminated_quote_in_a_large_csv_is_a_file_error():
    rows = [(f"S-{i}", "Иванов", "Пётр", "", "student", "3А", "") for i in range(5000)]
    data = csv_bytes(rows).replace(b"S-0,", b'S-0,"', 1)

    with pytest.raises(RosterFileError):
        read_roster(data, "roster.csv")


def test_a_workbook_with_broken_xml_is_a_file_error():
    import zipfile

    good = xlsx_bytes(BASE_ROWS)
    source, damaged = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut in the middle of the XML
            target.writestr(item, data)
    with pytest.raises(RosterFileError):
        read_roster(damaged.getvalue(), "roster.xlsx")
