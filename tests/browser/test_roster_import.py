"""The administrator imports the students' list as the centre's information system exports it
(Windows-1251 CSV, a title row, «ФИО», «Объединение» + «Группа», parents), in Chromium: upload,
the choice of columns, the preview, the import, and the people are on the roster."""

from __future__ import annotations

import pytest

from roles import services
from roles.models import Person, PersonKind, Role, UnitKind

from ..factories import make_institution, make_member
from .test_scenario import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = [
    "№ п/п",
    "ФИО",
    "Дата рождения",
    "Объединение",
    "Группа",
    "Год обучения",
    "Педагог",
    "ФИО родителя (законного представителя)",
]
ROWS = [
    [1, "Гусев Тимофей Андреевич", "14.03.2015", "Робототехника", "1", "1", "Кузнецов А. И.",
     "Гусева Наталья Викторовна"],
    [2, "Комарова Алиса Дмитриевна", "02.09.2014", "Робототехника", "1", "2", "Кузнецов А. И.",
     "Комаров Дмитрий Олегович"],
    [3, "Крылов Арсений Павлович", "19.01.2012", "Шахматы", "1", "1", "Ковалёв Н. П.", ""],
    [4, "Крылов Арсений Павлович", "19.01.2012", "Робототехника", "1", "2", "Кузнецов А. И.", ""],
]  # fmt: skip


def export_csv(header, rows, *, title) -> bytes:
    """As the centre's system writes it: Windows-1251, semicolons, padded title row, blank row."""
    lines = [";".join([title, *[""] * (len(header) - 1)]), ";" * (len(header) - 1)]
    lines += [";".join(str(v) for v in line) for line in [header, *rows]]
    return "\r\n".join(lines).encode("cp1251") + b"\r\n"


def test_the_admin_imports_an_export_through_the_choice_of_columns(browsers, job_worker):
    institution = make_institution("ЦДОД")
    admin_user = make_member(institution, Role.ADMIN).user
    for name in ("Робототехника-1", "Шахматы-1"):
        services.create_unit(institution=institution, kind=UnitKind.CLASS, name=name)
    iid = institution.pk
    data = export_csv(HEADER, ROWS, title="Список обучающихся МОУДО «ЦДОД» на 01.12.2026")

    admin = browsers.page("admin")
    log_in(admin, admin_user.username)
    admin.goto(f"/structure/{iid}/import/")
    admin.set_input_files(
        "#id_file", files=[{"name": "Список.csv", "mimeType": "text/csv", "buffer": data}]
    )
    admin.locator("main form button[type=submit]").first.click()

    # The worker reads the file (the page refreshes itself meanwhile); then the columns.
    admin.wait_for_selector("#mapping-form", timeout=60_000)
    assert "Гусев Тимофей Андреевич" in admin.inner_text("#mapping-form")  # first values
    assert admin.input_value("#id_column_1") == "full_name"
    assert admin.input_value("#id_column_3") == admin.input_value("#id_column_4") == "unit"
    assert admin.input_value("#id_column_6") == ""  # «Педагог» is not imported
    admin.select_option("#id_kind", "student")
    admin.locator("#mapping-form button[type=submit]").click()

    # The worker checks the rows; the preview lists what is new and what is not imported.
    admin.wait_for_selector("#confirm-form", timeout=60_000)
    assert admin.inner_text("#count-created").strip() == "5"  # three children, two parents
    assert admin.inner_text("#count-ended").strip() == "0"
    ignored = admin.inner_text("#ignored-columns")
    assert "«Педагог»" in ignored and "«Год обучения»" in ignored
    admin.locator("#confirm-form button[type=submit]").click()

    admin.wait_for_selector("main a[href$='/people/']", timeout=60_000)
    assert admin.locator("#import-status.text-bg-success").count() == 1  # done
    admin.goto(f"/structure/{iid}/people/")
    people = admin.inner_text("main")
    for name in ("Гусев", "Комарова", "Крылов", "Гусева", "Комаров"):
        assert name in people
    krylov = Person.objects.get(institution=institution, last_name="Крылов")
    assert set(krylov.memberships.values_list("unit__name", flat=True)) == {
        "Робототехника-1",
        "Шахматы-1",
    }
    assert Person.objects.filter(institution=institution, kind=PersonKind.PARENT).count() == 2

    assert browsers.csp_violations == []
    assert browsers.console_errors == []
