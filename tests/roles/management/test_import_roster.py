"""The `import_roster` command: a file imported all or nothing, a dry run, exit status 1 with the
row numbers of bad rows; an export with title rows and the kind given (--kind), leavers only
with --complete, the remembered mapping of the layout.
"""

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from roles import services
from roles.models import Person, Role
from roles.roster import FIELD_LABELS, find_layout, read_records

from ..roster_helpers import (
    BASE_LINKS,
    BASE_ROWS,
    BASE_UNITS,
    ROW_OF,
    csv_bytes,
    export_csv,
    import_rows,
    links_of,
    open_units,
    person,
    replace,
    roster_file,
    snapshot,
    without,
)


def numbers(text: str) -> Counter:
    return Counter(re.findall(r"\d+", text))


def run_command(path: Path, institution, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_roster", str(path), institution=institution.pk, stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_command_imports_a_file(institution, units, tmp_path):
    path = write(tmp_path, "roster.xlsx", roster_file("xlsx-ru", BASE_ROWS)[0])

    out, err = run_command(path, institution)

    # rows, new, changed, left, unchanged
    assert numbers(out) == Counter({str(len(BASE_ROWS)): 2, "0": 3})
    assert err == ""
    assert {p.external_id: open_units(p) for p in Person.objects.all()} == BASE_UNITS
    assert links_of(institution) == BASE_LINKS


def test_command_again_reports_everything_unchanged(institution, units, tmp_path):
    path = write(tmp_path, "roster.csv", roster_file("csv-cp1251-semicolon-ru", BASE_ROWS)[0])
    run_command(path, institution)
    before = snapshot()

    out, _ = run_command(path, institution)

    assert numbers(out) == Counter({str(len(BASE_ROWS)): 2, "0": 3})
    assert snapshot() == before


def test_command_dry_run_writes_nothing(institution, units, tmp_path):
    path = write(tmp_path, "roster.csv", csv_bytes(BASE_ROWS))
    before = snapshot()

    out, _ = run_command(path, institution, dry_run=True)

    assert numbers(out) == Counter({str(len(BASE_ROWS)): 2, "0": 3})
    assert snapshot() == before
    assert not Person.objects.exists()


def test_command_rejects_bad_rows_with_exit_status_1(institution, units, tmp_path):
    import_rows(institution, BASE_ROWS)
    rows = replace(replace(BASE_ROWS, "S-2", unit="9Я"), "P-1", guardian_of="S-404")
    path = write(tmp_path, "roster.csv", csv_bytes(rows))
    before = snapshot()
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exc:
        call_command("import_roster", str(path), institution=institution.pk, stdout=out, stderr=err)

    assert exc.value.code == 1
    assert out.getvalue() == ""
    reported = [
        int(m.group(1)) for m in re.finditer(r"^\s+\w+ (\d+): \S", err.getvalue(), re.MULTILINE)
    ]
    assert reported == [ROW_OF["S-2"], ROW_OF["P-1"]]
    assert "9Я" in err.getvalue() and "S-404" in err.getvalue()
    assert snapshot() == before


def test_command_rejects_an_unreadable_file(institution, units, tmp_path):
    path = write(tmp_path, "roster.csv", b"\x00\x01binary\x02" * 40)
    before = snapshot()

    with pytest.raises(CommandError) as exc:
        run_command(path, institution)

    assert exc.value.returncode == 1
    assert snapshot() == before


def test_command_needs_an_existing_institution_and_file(institution, tmp_path):
    with pytest.raises(CommandError):
        run_command(tmp_path / "missing.csv", institution)
    path = write(tmp_path, "roster.csv", csv_bytes(BASE_ROWS))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), institution=institution.pk + 1000)


EXPORT_HEADER = ["№ п/п", "ФИО", "Дата рождения", "Класс", "Педагог"]


def export(rows) -> bytes:
    return export_csv(
        EXPORT_HEADER, [[n, *row] for n, row in enumerate(rows, 1)], title=["Список на 01.12.2026"]
    )


def test_command_imports_an_export_with_the_kind_given(institution, units, tmp_path):
    path = write(
        tmp_path,
        "export.csv",
        export([["Иванов Пётр", "01.02.2016", "3А", "Смирнова"], ["Петрова Анна", "", "3Б", ""]]),
    )

    with pytest.raises(CommandError) as exc:  # no kind column: the kind must be given
        run_command(path, institution)
    assert str(FIELD_LABELS["kind"]) in str(exc.value)
    out, err = run_command(path, institution, kind="student")

    assert "«№ п/п», «Педагог»" in out
    assert {p.full_name: open_units(p) for p in Person.objects.all()} == {
        "Иванов Пётр": {("3А", Role.STUDENT)},
        "Петрова Анна": {("3Б", Role.STUDENT)},
    }
    assert err == ""


def test_command_records_leavers_only_with_complete(institution, units, tmp_path):
    import_rows(institution, BASE_ROWS)
    path = write(tmp_path, "roster.csv", csv_bytes(without(BASE_ROWS, "S-3")))

    out, _ = run_command(path, institution)
    assert person(institution, "S-3").left_on is None
    assert numbers(out)["1"] == 0  # nobody left

    run_command(path, institution, dry_run=True, complete=True)
    assert person(institution, "S-3").left_on is None
    out, _ = run_command(path, institution, complete=True)
    assert person(institution, "S-3").left_on is not None
    assert numbers(out)["1"] == 1  # one left


def test_command_reports_the_rows_of_an_export_by_their_numbers(institution, units, tmp_path):
    path = write(
        tmp_path,
        "export.csv",
        export(
            [["Иванов Пётр", "", "3А", ""], ["Петрова", "", "3Б", ""], ["Орлов Олег", "", "9Я", ""]]
        ),
    )
    err = io.StringIO()

    with pytest.raises(SystemExit) as exc:
        call_command(
            "import_roster", str(path), institution=institution.pk, kind="student", stderr=err
        )

    assert exc.value.code == 1
    reported = [int(m.group(1)) for m in re.finditer(r"^\s+\w+ (\d+): \S", err.getvalue(), re.M)]
    assert reported == [5, 6]  # a title row and a blank one above the header
    assert not Person.objects.exists()


def test_command_uses_the_mapping_remembered_for_the_layout(institution, units, tmp_path):
    header = ["ФИО", "Творческое объединение (группа)"]
    data = export_csv(header, [["Иванов Пётр", "3А"]])
    layout = find_layout(read_records(data, "x.csv")[0])
    services.remember_layout(
        institution=institution, layout=layout, mapping=["full_name", "unit"], kind="student"
    )

    run_command(write(tmp_path, "again.csv", data), institution)

    assert open_units(Person.objects.get()) == {("3А", Role.STUDENT)}
