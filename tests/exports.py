"""Reading the portal's exports back as a spreadsheet program would (openpyxl, csv)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from sferum_portal.exports import TITLE_ROWS

HEADER_ROW = TITLE_ROWS + 1


def content(response) -> bytes:
    """The body of a file response (streamed) or of an ordinary one."""
    return response.getvalue()


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(content(response)))


def sheet_rows(sheet) -> tuple[list, list[list]]:
    """The header and the data rows of a sheet (below its title rows)."""
    rows = [list(r) for r in sheet.iter_rows(min_row=HEADER_ROW, values_only=True)]
    return rows[0], rows[1:]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    raw = content(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def check_layout(sheet, columns: int) -> None:
    """What every sheet has: a bold, frozen header with an autofilter and fitted widths."""
    header = [sheet.cell(row=HEADER_ROW, column=c) for c in range(1, columns + 1)]
    assert all(c.font.bold for c in header), [c.value for c in header]
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert sheet.cell(row=1, column=1).font.bold  # the title
    for cell in header:
        width = sheet.column_dimensions[cell.column_letter].width
        assert width and width >= max(len(w) for w in str(cell.value).split()), cell.value
