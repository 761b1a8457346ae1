"""The channels jobs: the Celery tasks run the services, and beat runs them every few minutes."""

import datetime as dt
import time

from django.utils import timezone

from channels_app import tasks
from channels_app.models import Post, PostState
from roles.models import TodoItem
from sferum_portal.schedules import SCHEDULES

from .services.test_posts_scheduled import scheduled


def test_the_celery_task_publishes_due_posts(job_worker, news, director, admin_user):
    now = timezone.now()
    post = scheduled(
        news,
        director.user,
        admin_user,
        now - dt.timedelta(minutes=1),
        "Уже пора",
        now=now - dt.timedelta(minutes=2),
    )
    later = scheduled(
        news, director.user, admin_user, now + dt.timedelta(days=1), "Не пора", now=now
    )

    tasks.publish_due_posts.delay()  # eager here; a worker thread on a real broker

    deadline = time.monotonic() + 30
    while Post.objects.get(pk=post.pk).state != PostState.PUBLISHED:
        assert time.monotonic() < deadline, "the task did not run"
        time.sleep(0.1)
    assert Post.objects.get(pk=later.pk).state == PostState.SCHEDULED
    assert TodoItem.objects.count() == 1


def test_the_celery_task_sends_reminders(job_worker):
    assert tasks.send_event_reminders.apply().get() == 0


def test_both_channel_jobs_are_scheduled_every_few_minutes(db):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    by_task = {task: cron for task, cron in SCHEDULES.values()}
    for name in ("channels_app.tasks.publish_due_posts", "channels_app.tasks.send_event_reminders"):
        assert name in by_task
        assert by_task[name]["hour"] == "*"

    call_command("migrate", verbosity=0)  # the rows are created after every migrate
    for name in ("channels_app.tasks.publish_due_posts", "channels_app.tasks.send_event_reminders"):
        task = PeriodicTask.objects.get(task=name)
        assert task.enabled
        assert task.crontab.minute == by_task[name]["minute"]
