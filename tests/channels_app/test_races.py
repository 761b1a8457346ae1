"""Two beat ticks or two workers at the same moment, with real threads (PostgreSQL only:
SQLite serialises whole transactions)."""

import datetime as dt

import pytest
from django.core import mail

from channels_app import services
from channels_app.models import Event, Post, PostHistory, PostState
from roles.models import Role, TodoItem, UnitKind

from ..concurrency import race
from ..factories import make_institution, make_member, make_unit
from .helpers import channel, event, future, post_row, teacher

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_eight_simultaneous_runs_publish_each_due_post_once():
    institution = make_institution()
    admin = make_member(institution, Role.ADMIN).user
    ch = channel(institution, admin)
    posts = [post_row(ch, admin, PostState.SCHEDULED) for _ in range(5)]
    due = max(p.publish_at for p in posts) + dt.timedelta(minutes=1)

    results = race(lambda: services.publish_due_posts(now=due))

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 5
    assert Post.objects.filter(state=PostState.PUBLISHED).count() == 5
    assert PostHistory.objects.filter(action="publish").count() == 5
    assert TodoItem.objects.filter(institution=institution).count() == 5


def test_eight_simultaneous_runs_send_each_reminder_once():
    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS, "3А")
    admin = make_member(institution, Role.ADMIN).user
    teacher(institution, klass, email="teacher@example.org")
    start = future(3)
    planned = event(institution, admin, start, units=[klass], now=start - dt.timedelta(days=3))
    mail.outbox.clear()

    results = race(lambda: services.send_due_reminders(now=start - dt.timedelta(minutes=59)))

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 1
    assert len(mail.outbox) == 1
    assert Event.objects.get(pk=planned.pk).hour_reminder_sent_at is not None
