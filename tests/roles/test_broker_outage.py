"""A roster import confirmed while the broker is down: the page works, the import stays queued,
and it is sent again (and applied once) when the broker is back."""

import datetime as dt

from django.utils import timezone

from roles import services
from roles.models import Person, RosterImport, RosterImportStatus

from ..broker import broker_unreachable
from .roster_helpers import BASE_UNITS, import_url, preview, wait_for

NOW = dt.timedelta(0)


def imported(institution) -> int:
    return Person.objects.filter(institution=institution, external_id__in=BASE_UNITS).count()


def test_confirming_an_import_with_the_broker_down_keeps_it_queued(
    admin_client,
    admin_user,
    institution,
    units,
    django_capture_on_commit_callbacks,
):
    roster_import = preview(institution, admin_user)

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(import_url(institution, roster_import))

    assert response.status_code == 302
    queued = RosterImport.objects.get(pk=roster_import.pk)
    assert queued.status == RosterImportStatus.QUEUED
    assert queued.queued_at is not None
    assert imported(institution) == 0


def test_a_queued_import_is_sent_again_and_applied_once(
    job_worker,
    institution,
    units,
    uploader,
):
    roster_import = preview(institution, uploader)
    with broker_unreachable():  # its job is lost
        services.start_roster_import(roster_import=roster_import, by=uploader)

    # Not yet: a job only just queued may still be on its way to a worker.
    assert services.redispatch_queued_imports() == 0
    assert RosterImport.objects.get(pk=roster_import.pk).status == RosterImportStatus.QUEUED

    # Later it is sent again (eager here; to a worker in CI) and applied.
    RosterImport.objects.filter(pk=roster_import.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert services.redispatch_queued_imports() == 1
    assert wait_for(roster_import).status == RosterImportStatus.DONE
    assert imported(institution) == len(BASE_UNITS)
    people = Person.objects.count()

    # Done imports are never sent again, nor are previews.
    preview(institution, uploader)
    assert services.redispatch_queued_imports(older_than=NOW) == 0
    assert Person.objects.count() == people


def test_with_the_broker_still_down_nothing_is_lost(institution, units, uploader):
    roster_import = preview(institution, uploader)
    services.start_roster_import(roster_import=roster_import, by=uploader)

    with broker_unreachable():
        sent = services.redispatch_queued_imports(older_than=NOW)

    assert sent == 0
    assert RosterImport.objects.get(pk=roster_import.pk).status == RosterImportStatus.QUEUED
