"""The roster upload pages: the preview, confirming (leavers only when confirmed), bad files, who
may import.
"""

from django.core.files.storage import default_storage
from django.test import Client

from roles import services
from roles.models import (
    Movement,
    MovementKind,
    Person,
    Role,
    RosterImport,
    RosterImportStatus,
    UnitKind,
)

from ...factories import PASSWORD, make_institution, make_member
from ..roster_helpers import (
    BASE_LINKS,
    BASE_ROWS,
    BASE_UNITS,
    EN_HEADER,
    PUPILS_AND_PARENTS,
    RU_HEADER,
    YEAR,
    csv_bytes,
    error_rows,
    import_rows,
    import_url,
    imports_applied,
    links_of,
    map_columns,
    mapping_url,
    open_units,
    person,
    poll,
    preview,
    replace,
    russian,
    snapshot,
    stored_roster_files,
    upload,
    upload_and_map,
    upload_url,
    wait_for,
)


def test_upload_preview_and_confirm(job_worker, admin_client, admin_user, institution, units):
    assert admin_client.get(upload_url(institution)).status_code == 200
    before = snapshot()

    response = upload(admin_client, institution, csv_bytes(PUPILS_AND_PARENTS))

    roster_import = RosterImport.objects.get(institution=institution)
    assert response.status_code == 302
    assert response["Location"] == import_url(institution, roster_import)
    # The job has read the file: the columns wait for the administrator's choice.
    roster_import = wait_for(roster_import)
    assert (roster_import.status, roster_import.uploaded_by) == (
        RosterImportStatus.MAPPING,
        admin_user,
    )
    assert roster_import.mapping == list(EN_HEADER)
    page = admin_client.get(import_url(institution, roster_import))
    assert page.status_code == 200
    assert page.context["mapping_form"] is not None
    assert mapping_url(institution, roster_import) in page.content.decode()

    response = map_columns(admin_client, institution, roster_import)

    assert response.status_code == 302
    assert response["Location"] == import_url(institution, roster_import)
    roster_import = wait_for(roster_import)
    assert roster_import.status == RosterImportStatus.PREVIEW, roster_import.errors
    assert roster_import.summary["created"] == len(PUPILS_AND_PARENTS)
    assert default_storage.exists(roster_import.file.name)
    assert snapshot() == before  # nothing written yet
    page = admin_client.get(import_url(institution, roster_import))
    assert page.status_code == 200
    assert page.context["roster_import"] == roster_import
    assert b'method="post"' in page.content

    response = admin_client.post(import_url(institution, roster_import))

    assert response.status_code == 302
    assert response["Location"] == import_url(institution, roster_import)
    roster_import = wait_for(roster_import)
    assert roster_import.status == RosterImportStatus.DONE, roster_import.errors
    assert roster_import.rows_done == len(PUPILS_AND_PARENTS)
    imported = {
        p.external_id: open_units(p)
        for p in Person.objects.filter(external_id__in=[r[0] for r in PUPILS_AND_PARENTS])
    }
    assert imported == {row[0]: BASE_UNITS[row[0]] for row in PUPILS_AND_PARENTS}
    assert links_of(institution) == BASE_LINKS
    assert set(
        Movement.objects.filter(person__external_id__in=list(imported)).values_list(
            "kind", "recorded_by"
        )
    ) == {(MovementKind.ENROL, admin_user.pk)}
    # The file is discarded right after the status is saved (a worker may lag a moment).
    poll(lambda: not RosterImport.objects.get(pk=roster_import.pk).file, "the file to go")
    progress = admin_client.get(import_url(institution, roster_import), {"format": "json"}).json()
    assert progress == {
        "status": "done",
        "done": len(PUPILS_AND_PARENTS),
        "total": len(PUPILS_AND_PARENTS),
    }

    # A second click imports nothing twice.
    after = snapshot()
    response = admin_client.post(import_url(institution, roster_import), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert wait_for(roster_import).status == RosterImportStatus.DONE
    assert snapshot() == after
    assert imports_applied(institution) == 1


def test_an_invalid_upload_shows_the_bad_rows_and_stores_nothing(
    job_worker, admin_client, institution, units
):
    rows = replace(replace(PUPILS_AND_PARENTS, "S-2", unit="9Я"), "S-3", unit="")
    before, files = snapshot(), stored_roster_files()

    roster_import = upload_and_map(admin_client, institution, csv_bytes(rows))

    assert roster_import.status == RosterImportStatus.INVALID
    assert error_rows(roster_import.errors) == [3, 4]  # S-2 and S-3 of the pupils' file
    response = admin_client.get(import_url(institution, roster_import))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<td>3</td>" in content and "<td>4</td>" in content and "9Я" in content
    assert not roster_import.file
    assert stored_roster_files() == files
    assert snapshot() == before
    # Confirming a rejected file does nothing either.
    admin_client.post(import_url(institution, roster_import))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.INVALID
    assert snapshot() == before


def test_an_unreadable_upload_is_reported_as_a_file_error(
    job_worker, admin_client, institution, units
):
    data = csv_bytes(russian(PUPILS_AND_PARENTS), RU_HEADER, encoding="cp866")

    response = upload(admin_client, institution, data, follow=True)

    roster_import = wait_for(response.context["roster_import"])
    assert roster_import.status == RosterImportStatus.INVALID
    assert error_rows(roster_import.errors) == [None]
    assert not roster_import.file
    assert not Person.objects.filter(external_id__in=BASE_UNITS).exists()


def test_the_upload_form_accepts_only_csv_and_xlsx(admin_client, institution, units):
    response = upload(admin_client, institution, csv_bytes(BASE_ROWS), name="roster.pdf")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not RosterImport.objects.exists()


def test_other_roles_may_not_import(institution, units, uploader):
    roster_import = preview(institution, uploader, rows=PUPILS_AND_PARENTS)
    teacher = make_member(institution, Role.TEACHER)
    client = Client()
    assert client.login(username=teacher.user.username, password=PASSWORD)

    assert client.get(upload_url(institution)).status_code == 403
    assert upload(client, institution, csv_bytes(PUPILS_AND_PARENTS)).status_code == 403
    assert client.get(import_url(institution, roster_import)).status_code == 403
    assert client.post(import_url(institution, roster_import)).status_code == 403
    assert RosterImport.objects.get().status == RosterImportStatus.PREVIEW


def test_another_institutions_import_is_not_found(admin_client, institution, units):
    other = make_institution()
    services.create_unit(institution=other, kind=UnitKind.CLASS, name="3А", academic_year=YEAR)
    services.create_unit(institution=other, kind=UnitKind.CLASS, name="3Б", academic_year=YEAR)
    foreign = preview(other, None, rows=PUPILS_AND_PARENTS)

    assert admin_client.get(import_url(institution, foreign)).status_code == 404
    assert admin_client.post(import_url(institution, foreign)).status_code == 404
    assert admin_client.get(upload_url(other)).status_code == 404
    assert admin_client.get(import_url(other, foreign)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == RosterImportStatus.PREVIEW


def test_anonymous_visitors_are_sent_to_the_login_page(client, institution):
    response = client.get(upload_url(institution))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_leavers_need_an_explicit_confirmation(job_worker, admin_client, institution, units):
    import_rows(institution, PUPILS_AND_PARENTS)
    without_s3 = [row for row in PUPILS_AND_PARENTS if row[0] != "S-3"]
    # Not declared complete: nobody leaves, the one missing is only counted.
    roster_import = upload_and_map(admin_client, institution, csv_bytes(without_s3))
    assert (roster_import.summary["ended"], roster_import.summary["absent"]) == (0, 1)
    # Declared complete: S-3 leaves, after a separate confirmation.
    roster_import = upload_and_map(admin_client, institution, csv_bytes(without_s3), complete=True)
    assert roster_import.summary["ended"] == 1
    page = admin_client.get(import_url(institution, roster_import)).content.decode()
    assert 'name="confirm_leavers"' in page
    assert "Сидоров Максим" in page  # the first of those who leave are named

    for typed in ({}, {"confirm_leavers": "2"}, {"confirm_leavers": "on"}):
        response = admin_client.post(import_url(institution, roster_import), typed, follow=True)

        assert [m.level_tag for m in response.context["messages"]][-1] == "error"
        roster_import.refresh_from_db()
        assert roster_import.status == RosterImportStatus.PREVIEW
        assert person(institution, "S-3").left_on is None

    admin_client.post(import_url(institution, roster_import), {"confirm_leavers": "1"})

    assert wait_for(roster_import).status == RosterImportStatus.DONE
    assert person(institution, "S-3").left_on is not None
