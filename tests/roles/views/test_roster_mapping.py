"""The roster import's pages before the preview: the upload's progress while a job reads it, the
choice of columns (each column with its first values), refusals shown on it, back from the
preview; only admins may."""

from django.test import Client

from roles.models import RosterImport, RosterImportStatus

from ...broker import broker_unreachable
from ...factories import PASSWORD, make_member
from ..roster_helpers import (
    export_csv,
    import_url,
    map_columns,
    mapping_url,
    upload,
    upload_and_map,
    wait_for,
)

HEADER = ["№ п/п", "ФИО", "Дата рождения", "Класс", "Педагог"]
ROWS = [[1, "Иванов Пётр Сергеевич", "01.02.2016", "3А", "Смирнова"]]


def export() -> bytes:
    return export_csv(HEADER, ROWS, title=["Список обучающихся на 01.12.2026"])


def test_while_the_file_waits_to_be_read_the_page_says_so(
    admin_client, institution, units, django_capture_on_commit_callbacks
):
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, institution, export())
    roster_import = RosterImport.objects.get()

    page = admin_client.get(import_url(institution, roster_import))
    progress = admin_client.get(import_url(institution, roster_import), {"format": "json"})

    assert page.status_code == 200
    assert page.context["in_progress"] is True
    assert b'http-equiv="refresh"' in page.content
    assert progress.json() == {"status": "reading", "done": 0, "total": 0}


def test_the_columns_are_shown_with_their_first_values_and_the_proposal(
    job_worker, admin_client, institution, units
):
    upload(admin_client, institution, export())
    roster_import = wait_for(RosterImport.objects.get())
    assert roster_import.status == RosterImportStatus.MAPPING

    page = admin_client.get(import_url(institution, roster_import))

    content = page.content.decode()
    form = page.context["mapping_form"]
    assert [f.label for f in form.column_fields()] == HEADER
    assert [f.value() for f in form.column_fields()] == ["", "full_name", "birth_date", "unit", ""]
    assert "Иванов Пётр Сергеевич" in content and "01.02.2016" in content
    assert 'name="kind"' in content and 'name="complete"' in content
    assert mapping_url(institution, roster_import) in content


def test_a_choice_without_a_kind_is_shown_on_the_form(job_worker, admin_client, institution, units):
    upload(admin_client, institution, export())
    roster_import = wait_for(RosterImport.objects.get())

    response = map_columns(admin_client, institution, roster_import, kind="")

    assert response.status_code == 200
    assert response.context["mapping_form"].non_field_errors()
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.MAPPING


def test_from_the_preview_back_to_the_columns(job_worker, admin_client, institution, units):
    roster_import = upload_and_map(admin_client, institution, export(), kind="student")
    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    page = admin_client.get(import_url(institution, roster_import)).content.decode()
    assert "«№ п/п»" in page and "«Педагог»" in page  # the columns not imported

    response = admin_client.post(mapping_url(institution, roster_import), {"reopen": "1"})

    assert response.status_code == 302
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.MAPPING


def test_only_admins_choose_the_columns(job_worker, admin_client, institution, units):
    upload(admin_client, institution, export())
    roster_import = wait_for(RosterImport.objects.get())
    teacher = make_member(institution, "teacher")
    client = Client()
    assert client.login(username=teacher.user.username, password=PASSWORD)

    response = map_columns(client, institution, roster_import, kind="student")

    assert response.status_code == 403
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.MAPPING
