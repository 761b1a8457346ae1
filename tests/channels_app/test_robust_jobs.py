"""One bad title or one refused e-mail cannot stop a job or turn a request into a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from channels_app import services
from channels_app.models import Event, Post
from roles.models import Person

from .. import mailfail
from ..conftest import login
from .helpers import channel, event, teacher

START = dt.datetime(2030, 3, 10, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = "tests.mailfail.RefusingBackend"
    mailfail.reset()
    yield mailfail
    mailfail.reset()


def test_a_line_break_in_a_title_is_stripped_by_the_services(institution, klass, admin_user):
    news = channel(institution, admin_user)
    post = services.create_post(
        channel=news, title="Собрание\r\nродителей\tв пятницу\x00", body="Текст", by=admin_user
    )
    assert Post.objects.get(pk=post.pk).title == "Собрание родителей в пятницу"
    broadcast = event(
        institution,
        admin_user,
        START,
        units=[klass],
        title="Концерт\nв актовом зале",
        now=START - 3 * DAY,
    )
    assert Event.objects.get(pk=broadcast.pk).title == "Концерт в актовом зале"


def test_a_line_break_in_a_title_is_refused_by_the_form(institution, admin_user):
    news = channel(institution, admin_user)
    response = login(admin_user).post(
        reverse("channels:post_create", args=[institution.pk]),
        {"channel": news.pk, "title": "Первая строка\nвторая", "body": "Текст"},
    )
    assert response.status_code == 200
    assert "без переносов строк" in response.content.decode()
    assert not Post.objects.exists()


def test_the_reminder_job_sends_the_others_and_keeps_a_failed_one(
    institution, klass, admin_user, refusing_mail
):
    for name in ("ok", "bad"):
        colleague = teacher(institution, klass)
        Person.objects.filter(pk=colleague.pk).update(email=f"{name}@example.org")
    first = event(
        institution, admin_user, START, units=[klass], title="Первое", now=START - 3 * DAY
    )
    second = event(
        institution,
        admin_user,
        START + dt.timedelta(minutes=30),
        units=[klass],
        title="Второе",
        now=START - 3 * DAY,
    )
    run_at = START - DAY + dt.timedelta(minutes=45)
    # The mail server is down during a run: nothing is lost, both stay due.
    refusing_mail.DOWN["down"] = True
    assert services.send_due_reminders(now=run_at) == 0
    assert Event.objects.filter(day_reminder_sent_at__isnull=True).count() == 2
    # Back, but it refuses one recipient: everybody else of both events gets theirs.
    refusing_mail.DOWN["down"] = False
    refusing_mail.REFUSED.add("bad@example.org")
    assert services.send_due_reminders(now=run_at) == 2
    delivered = sorted((m.to[0], m.subject) for m in refusing_mail.mail.outbox)
    assert [to for to, _subject in delivered] == ["ok@example.org", "ok@example.org"]
    assert {e.pk for e in Event.objects.filter(day_reminder_sent_at__isnull=False)} == {
        first.pk,
        second.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_refused_email_is_shown_and_the_change_stays(
    institution, klass, admin_user, refusing_mail
):
    author = teacher(institution, klass)
    author.user.email = "author@example.org"
    author.user.save()
    from channels_app.models import ChannelAuthor

    ChannelAuthor.objects.create(institution=institution, person=author)
    news = channel(institution, admin_user)
    post = services.create_post(channel=news, title="Новость", body="Текст", by=author.user)
    services.submit_post(post=post, by=author.user)
    refusing_mail.REFUSED.add("author@example.org")
    client = login(admin_user)
    response = client.post(
        reverse("channels:post_transition", args=[institution.pk, post.pk, "reject"]),
        {"comment": "Не по теме"},
        follow=True,
    )
    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).state == "rejected"
    assert "не удалось отправить" in response.content.decode()
    assert "author@example.org" in response.content.decode()
