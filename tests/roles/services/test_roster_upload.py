"""A roster file up to its preview: stored by the upload without being parsed, read by a job
(encoding, title rows, a zip bomb refused before openpyxl), its columns chosen and remembered
for the next file of the layout, its rows checked by a job; exports as schools have them."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from roles import services
from roles.models import (
    Person,
    PersonKind,
    Role,
    RosterImport,
    RosterImportStatus,
    RosterLayout,
    UnitKind,
)

from ...broker import broker_unreachable
from ..roster_helpers import (
    DEPARTMENT,
    export_csv,
    export_xlsx,
    open_units,
    snapshot,
    stored_roster_files,
    wait_for,
    zip_bomb,
)

EXPORT_HEADER = ["№ п/п", "ФИО", "Дата рождения", "Класс", "Год обучения", "Педагог"]
EXPORT_ROWS = [
    [1, "Иванов Пётр Сергеевич", "01.02.2016", "3А", "1", "Смирнова О. П."],
    [2, "Петрова Анна Михайловна", "12.11.2015", "3Б", "2", "Смирнова О. П."],
    [3, "Сидоров Максим", "05.05.2016", "3А", "1", "Смирнова О. П."],
]
TITLE = ["Список обучающихся МОУДО «ЦДОД» на 01.12.2026"]
EXPECTED = {
    "Иванов Пётр Сергеевич": {("3А", Role.STUDENT)},
    "Петрова Анна Михайловна": {("3Б", Role.STUDENT)},
    "Сидоров Максим": {("3А", Role.STUDENT)},
}


def upload(institution, by, data, name="export.csv"):
    return services.upload_roster(institution=institution, data=data, filename=name, by=by)


def read(roster_import):
    return services.read_roster_upload(import_id=roster_import.pk)


def choose(roster_import, by, *, mapping=None, kind="student", complete=False):
    roster_import.refresh_from_db()
    services.choose_roster_mapping(
        roster_import=roster_import,
        mapping=roster_import.mapping if mapping is None else mapping,
        kind=kind,
        complete=complete,
        by=by,
    )
    return services.plan_roster_upload(import_id=roster_import.pk)


def through_preview(institution, by, data, name="export.csv", **choices):
    roster_import = upload(institution, by, data, name)
    assert read(roster_import).status == RosterImportStatus.MAPPING
    return choose(roster_import, by, **choices)


def imported(institution) -> dict:
    return {p.full_name: open_units(p) for p in Person.objects.filter(institution=institution)}


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (export_csv(EXPORT_HEADER, EXPORT_ROWS, title=TITLE), "export.csv"),  # Windows-1251
        (export_xlsx(EXPORT_HEADER, EXPORT_ROWS, title=TITLE), "export.xlsx"),
    ],
    ids=["cp1251-csv", "xlsx"],
)
def test_an_export_with_a_title_row_and_a_fio_column_imports(
    institution, units, uploader, data, name
):
    roster_import = through_preview(institution, uploader, data, name)

    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    assert roster_import.layout["header_row"] == 3
    summary = roster_import.summary
    assert (summary["created"], summary["ended"]) == (3, 0)
    # The columns not imported are listed in the preview.
    assert summary["ignored"] == ["№ п/п", "Год обучения", "Педагог"]
    services.start_roster_import(roster_import=roster_import, by=uploader)

    done = services.run_roster_import(import_id=roster_import.pk)

    assert done.status == RosterImportStatus.DONE, done.errors
    assert imported(institution) == EXPECTED
    assert {p.kind for p in Person.objects.filter(institution=institution)} == {PersonKind.STUDENT}
    # The file and the first values of its columns (minors' names and dates) are gone.
    assert not done.file and done.layout["samples"] == []


def test_the_upload_only_stores_the_file(institution, units, uploader):
    data = export_csv(EXPORT_HEADER, EXPORT_ROWS, title=TITLE)
    before = snapshot()

    with broker_unreachable():
        roster_import = upload(institution, uploader, data)

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.READING
    assert roster_import.queued_at is not None
    assert (roster_import.layout, roster_import.mapping, roster_import.summary) == ({}, [], {})
    assert default_storage.open(roster_import.file.name).read() == data
    assert snapshot() == before


def test_a_zip_bomb_is_refused_before_it_is_opened_and_never_in_the_request(
    admin_client, institution, units, django_capture_on_commit_callbacks
):
    from ..roster_helpers import upload as post_upload

    bomb = zip_bomb()
    assert len(bomb) <= 2.1 * 1024 * 1024

    started = time.monotonic()
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = post_upload(admin_client, institution, bomb, "Список.xlsx")
    assert response.status_code == 302
    roster_import = RosterImport.objects.get(institution=institution)
    assert roster_import.status == RosterImportStatus.READING  # nothing parsed in the request
    assert roster_import.layout == {}

    done = read(roster_import)

    assert time.monotonic() - started < 5
    assert done.status == RosterImportStatus.INVALID
    assert done.errors[0]["row"] is None and "300" in done.errors[0]["messages"][0]
    assert not done.file


def test_the_mapping_is_remembered_for_the_next_file_of_the_layout(institution, units, uploader):
    header = ["ФИО", "Творческое объединение (группа)", "Примечание"]
    rows = [["Иванов Пётр", "3А", "—"]]
    first = upload(institution, uploader, export_csv(header, rows))
    read(first)
    first.refresh_from_db()
    assert first.mapping == ["full_name", "", ""]  # the unit's header is none the portal knows
    assert first.layout["remembered"] is False

    choose(first, uploader, mapping=["full_name", "unit", ""], kind="student")

    layout = RosterLayout.objects.get(institution=institution)
    assert (layout.mapping, layout.kind) == (["full_name", "unit", ""], "student")
    # The next file of the same columns (case and spaces aside) starts from that choice.
    second = upload(
        institution, uploader, export_csv([" фио", *header[1:]], [["Петрова Анна", "3Б", ""]])
    )
    read(second)
    second.refresh_from_db()
    assert (second.mapping, second.kind, second.layout["remembered"]) == (
        ["full_name", "unit", ""],
        "student",
        True,
    )
    # A file of other columns does not; nor does another institution's.
    other = upload(institution, uploader, export_csv(header[:2], [["Петрова Анна", "3Б"]]))
    read(other)
    other.refresh_from_db()
    assert other.mapping == ["full_name", ""]
    # And the synchronous path (the command's) uses it too.
    preview = services.preview_roster_import(
        institution=institution,
        data=export_csv(header, [["Сидоров Максим", "3А", ""]]),
        filename="again.csv",
        by=uploader,
    )
    assert preview.status == RosterImportStatus.PREVIEW, preview.errors
    assert preview.summary["created"] == 1


def test_a_mapping_without_names_or_kind_is_refused_and_the_file_waits(
    institution, units, uploader
):
    roster_import = upload(institution, uploader, export_csv(EXPORT_HEADER, EXPORT_ROWS))
    read(roster_import)

    with pytest.raises(ValidationError):
        choose(roster_import, uploader, kind="")  # no kind column, no kind given
    with pytest.raises(ValidationError):
        choose(roster_import, uploader, mapping=[""] * len(EXPORT_HEADER))

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.MAPPING
    assert not RosterLayout.objects.exists()
    choose(roster_import, uploader)
    with pytest.raises(ValidationError):  # chosen once only
        choose(roster_import, uploader)


def test_rows_that_do_not_fit_reject_the_file_with_their_numbers(institution, units, uploader):
    rows = [*EXPORT_ROWS, [4, "Орлов Олег", "31.02.2016", "9Я", "", ""]]
    files = stored_roster_files()

    roster_import = through_preview(
        institution, uploader, export_csv(EXPORT_HEADER, rows, title=TITLE)
    )

    assert roster_import.status == RosterImportStatus.INVALID
    assert [e["row"] for e in roster_import.errors] == [7]
    assert len(roster_import.errors[0]["messages"]) == 2  # the date and the class
    assert stored_roster_files() == files
    assert not Person.objects.exists()


def test_a_file_with_an_extra_column_imports_and_lists_it(institution, units, uploader):
    header = [
        "Идентификатор",
        "Фамилия",
        "Имя",
        "Отчество",
        "Тип",
        "Класс",
        "Дата рождения",
        "СНИЛС",
    ]
    rows = [["S-1", "Иванов", "Пётр", "", "обучающийся", "3А", "01.02.2016", "123-456-789 00"]]

    roster_import = through_preview(institution, uploader, export_csv(header, rows), kind="")

    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    assert roster_import.summary["ignored"] == ["СНИЛС"]
    services.start_roster_import(roster_import=roster_import, by=uploader)
    services.run_roster_import(import_id=roster_import.pk)
    person = Person.objects.get(external_id="S-1")
    assert open_units(person) == {("3А", Role.STUDENT)}
    assert person.birth_date_hash


def test_the_preview_can_go_back_to_the_choice_of_columns(institution, units, uploader):
    roster_import = through_preview(institution, uploader, export_csv(EXPORT_HEADER, EXPORT_ROWS))

    services.reopen_roster_mapping(roster_import=roster_import)

    roster_import.refresh_from_db()
    assert (roster_import.status, roster_import.summary) == (RosterImportStatus.MAPPING, {})
    assert choose(roster_import, uploader, kind="student").status == RosterImportStatus.PREVIEW


def test_lost_jobs_of_reading_and_checking_are_sent_again(job_worker, institution, units, uploader):
    import datetime as dt

    from django.utils import timezone

    data = export_csv(EXPORT_HEADER, EXPORT_ROWS)
    with broker_unreachable():
        roster_import = upload(institution, uploader, data)
    assert services.redispatch_queued_imports() == 0  # only just uploaded
    old = timezone.now() - dt.timedelta(minutes=10)
    RosterImport.objects.filter(pk=roster_import.pk).update(queued_at=old)

    assert services.redispatch_queued_imports() == 1

    # With a real worker (CI on Redis) the job runs in its thread: wait for it.
    assert wait_for(roster_import).status == RosterImportStatus.MAPPING
    with broker_unreachable():
        services.choose_roster_mapping(
            roster_import=roster_import,
            mapping=roster_import.mapping,
            kind="student",
            complete=False,
            by=uploader,
        )
    RosterImport.objects.filter(pk=roster_import.pk).update(queued_at=old)
    assert services.redispatch_queued_imports() == 1
    assert wait_for(roster_import).status == RosterImportStatus.PREVIEW
    assert services.redispatch_queued_imports(older_than=dt.timedelta(0)) == 0


def test_a_second_delivery_of_a_job_changes_nothing(institution, units, uploader):
    roster_import = upload(institution, uploader, export_csv(EXPORT_HEADER, EXPORT_ROWS))
    read(roster_import)
    mapped = RosterImport.objects.get(pk=roster_import.pk)

    again = read(roster_import)

    assert (again.status, again.layout) == (mapped.status, mapped.layout)
    assert (
        services.plan_roster_upload(import_id=roster_import.pk).status == RosterImportStatus.MAPPING
    )


def test_staff_without_a_kind_column_take_the_kind_given(institution, units, uploader):
    header = ["№", "Фамилия, имя, отчество", "Должность", "Отдел"]
    rows = [
        [1, "Смирнова Ольга Петровна", "педагог", DEPARTMENT],
        [2, "Кузнецов Андрей", "педагог", ""],
    ]

    roster_import = through_preview(
        institution, uploader, export_xlsx(header, rows, title=["Штат"]), "staff.xlsx", kind="staff"
    )

    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    services.start_roster_import(roster_import=roster_import, by=uploader)
    services.run_roster_import(import_id=roster_import.pk)
    smirnova = Person.objects.get(last_name="Смирнова")
    assert smirnova.kind == PersonKind.STAFF
    assert open_units(smirnova) == {
        (services.STAFF_ROOM_NAME, Role.TEACHER),
        (DEPARTMENT, Role.TEACHER),
    }


def test_two_columns_name_a_unit_together(institution, units, uploader):
    for name in ("Робототехника-1", "Робототехника-2"):
        services.create_unit(institution=institution, kind=UnitKind.CLASS, name=name)
    header = ["ФИО", "Объединение", "Группа"]
    rows = [["Иванов Пётр", "Робототехника", 1], ["Петрова Анна", "РОБОТОТЕХНИКА", "2"]]

    roster_import = through_preview(institution, uploader, export_xlsx(header, rows), "groups.xlsx")

    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    services.start_roster_import(roster_import=roster_import, by=uploader)
    services.run_roster_import(import_id=roster_import.pk)
    assert imported(institution) == {
        "Иванов Пётр": {("Робототехника-1", Role.STUDENT)},
        "Петрова Анна": {("Робототехника-2", Role.STUDENT)},
    }


def test_a_unit_name_matched_leniently_but_never_ambiguously(institution, units, uploader):
    services.create_unit(institution=institution, kind=UnitKind.CLASS, name="Живопись 1")
    services.create_unit(institution=institution, kind=UnitKind.CLASS, name="Живопись-1")
    header = ["ФИО", "Объединение"]

    roster_import = through_preview(
        institution, uploader, export_csv(header, [["Иванов Пётр", "живопись1"]])
    )

    assert roster_import.status == RosterImportStatus.INVALID
    assert roster_import.errors[0]["row"] == 2


def test_a_preview_made_before_the_mapping_step_is_still_imported(institution, units, uploader):
    from ..roster_helpers import BASE_ROWS, BASE_UNITS, import_rows, preview, without

    import_rows(institution, BASE_ROWS)
    roster_import = preview(institution, uploader, rows=without(BASE_ROWS, "S-3"), complete=True)
    # As such a row was left by the migration: no layout, no mapping, leavers confirmed.
    RosterImport.objects.filter(pk=roster_import.pk).update(layout={}, mapping=[], complete=False)
    services.start_roster_import(roster_import=roster_import, by=uploader, confirm_leavers=True)

    done = services.run_roster_import(import_id=roster_import.pk)

    assert done.status == RosterImportStatus.DONE, done.errors
    assert Person.objects.get(external_id="S-3").left_on is not None
    assert Person.objects.filter(external_id__in=BASE_UNITS, left_on__isnull=True).count() == 6
