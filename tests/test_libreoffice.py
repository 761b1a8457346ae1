"""The exports open in LibreOffice: `soffice --headless --convert-to csv` reads the people list's
and the statistics' workbooks, every sheet, with their Cyrillic headers, every row and the dates
as dates.

Skipped only where LibreOffice is not installed; .ci/browser installs it (the Debian package
libreoffice-calc-nogui) and runs this file, where a skip fails the run.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from roles import services
from roles.models import Role, UnitKind
from roles.views.exports import PeopleExportView
from stats.models import INSTITUTION_METRICS, UnitSnapshot, UsageSnapshot
from stats.services import default_day

from .conftest import login
from .exports import HEADER_ROW, content
from .factories import make_member, make_unit

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
)
# Semicolons, double quotes, UTF-8, from line 1; cells as shown (dates as dates); every sheet.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,-1"


def convert(workbook: bytes, tmp_path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook as LibreOffice writes it to CSV, by sheet name."""
    source = tmp_path / "export.xlsx"
    source.write_bytes(workbook)
    out = tmp_path / "csv"
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sheets = {}
    for path in sorted(out.glob("*.csv")):
        name = path.stem.removeprefix("export-") if path.stem != "export" else ""
        with path.open(encoding="utf-8", newline="") as fh:
            sheets[name] = list(csv.reader(fh, delimiter=";"))
    assert sheets, result.stdout + result.stderr
    return sheets


def cyrillic(text: str) -> bool:
    return bool(re.search("[а-яё]", text, re.I))


def table_of(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    header, *data = rows[HEADER_ROW - 1 :]
    return header, [r for r in data if any(r)]


def test_libreoffice_opens_the_people_list(institution, klass, admin_client, tmp_path):
    students = [make_member(institution, Role.STUDENT, klass) for _i in range(12)]
    services.leave(person=students[0], effective_date=dt.date(2026, 1, 10), by=None)

    response = admin_client.get(reverse("roles:people_xlsx", args=[institution.pk]))
    (rows,) = convert(content(response), tmp_path).values()

    assert rows[0][0] == "Люди" and rows[1][0] == institution.name
    header, data = table_of(rows)
    assert header == [str(c.title) for c in PeopleExportView.columns]
    assert header[:3] == ["фамилия", "имя", "отчество"]
    # UTF-8 read as such: the Russian headers (those of the catalogue's Russian) are Cyrillic.
    assert sum(cyrillic(h) for h in header) >= 6, header
    people = institution.people.count()
    assert len(data) == people  # the students, their director and admin
    assert "10.01.2026" in [cell for row in data for cell in row]


def test_libreoffice_opens_both_sheets_of_the_statistics(institution, tmp_path):
    director = make_member(institution, Role.DIRECTOR).user
    day = default_day(institution)
    for n in range(30):
        UsageSnapshot.objects.create(
            institution=institution, day=day - dt.timedelta(days=n), students_total=100 + n
        )
    for name in ("1А", "1Б", "1В"):
        unit = make_unit(institution, UnitKind.CLASS, name, academic_year="2026/2027")
        UnitSnapshot.objects.create(
            institution=institution, unit=unit, day=day, students_total=25, students_joined=20
        )

    response = login(director).get(reverse("stats:export_xlsx"), {"days": 30})
    sheets = convert(content(response), tmp_path)

    assert set(sheets) == {"По дням", "По классам"}
    header, by_day = table_of(sheets["По дням"])
    assert header[0] == "дата" and len(header) == 1 + len(INSTITUTION_METRICS)
    assert all(cyrillic(h) for h in header), header
    assert len(by_day) == 30
    assert by_day[-1][0] == day.strftime("%d.%m.%Y")
    header, by_class = table_of(sheets["По классам"])
    assert header[0] == "класс" and all(cyrillic(h) for h in header[:8]), header
    assert [r[0] for r in by_class] == ["1А (2026/2027)", "1Б (2026/2027)", "1В (2026/2027)"]
