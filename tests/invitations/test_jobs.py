"""The expiry job's ways in: the command, the Celery task and the hourly schedule."""

import io
import re
import time

from django.core.management import call_command

from invitations import tasks
from invitations.models import Invitation
from roles.models import Role, UnitKind

from ..factories import make_institution, make_member, make_unit
from .helpers import issue, make_expired

# --- the command, the task and the schedule ------------------------------------------------------


def test_the_command_runs_the_job_and_prints_how_many(klass, admin_user):
    for _ in range(3):
        invitation, _t = issue(klass, Role.TEACHER, admin_user)
        make_expired(invitation)
    issue(klass, Role.TEACHER, admin_user)
    out = io.StringIO()

    call_command("expire_invitations", stdout=out)

    assert re.search(r"\b3\b", out.getvalue())
    assert Invitation.objects.filter(expiry_recorded_at__isnull=False).count() == 3
    out = io.StringIO()
    call_command("expire_invitations", stdout=out)
    assert re.search(r"\b0\b", out.getvalue())


def test_the_celery_task_runs_the_job(job_worker):
    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS)
    admin = make_member(institution, Role.ADMIN).user
    invitation, _t = issue(klass, Role.TEACHER, admin)
    make_expired(invitation)

    tasks.expire_invitations.delay()  # no result backend: watch the database instead

    deadline = time.monotonic() + 30
    while not Invitation.objects.filter(pk=invitation.pk, expiry_recorded_at__isnull=False):
        assert time.monotonic() < deadline, "the task did not run"
        time.sleep(0.1)


def test_the_job_is_scheduled_hourly(db):
    from django_celery_beat.models import PeriodicTask

    from sferum_portal.schedules import ensure_schedules

    ensure_schedules()
    task = PeriodicTask.objects.get(task="invitations.tasks.expire_invitations")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) != ("*", "*")
    assert task.crontab.hour == "*"
