"""Small helpers shared by the channels tests: people, posts in a given state, events."""

import contextlib
import datetime as dt
import itertools
import re

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from channels_app import services
from channels_app.models import Channel, Event, EventKind, Post, PostState
from roles import services as roles_services
from roles.models import Institution, Person, PersonKind, Role, Unit

from ..factories import START, UserFactory, make_person

_seq = itertools.count(1)


def teacher(
    institution: Institution,
    *units: Unit,
    verified: bool = True,
    email: str = "",
    **names,
) -> Person:
    """A teacher with a login in the staff room and in each unit, verified if asked."""
    user = UserFactory(email=email)
    person = make_person(institution, kind=PersonKind.STAFF, user=user, **names)
    for unit in [roles_services.staff_room(institution), *units]:
        roles_services.enrol(person=person, unit=unit, role=Role.TEACHER, effective_date=START)
    if verified:
        roles_services.decide_teacher_verification(person=person, by=None, approve=True)
    return person


def member(unit: Unit, role: str, *, email: str = "", **names) -> Person:
    """A student or parent of `unit` with a login (and an e-mail if given)."""
    kind = PersonKind.STUDENT if role == Role.STUDENT else PersonKind.PARENT
    person = make_person(unit.institution, kind=kind, user=UserFactory(email=email), **names)
    roles_services.enrol(person=person, unit=unit, role=role, effective_date=START)
    return person


def set_email(user, email: str):
    user.email = email
    user.save(update_fields=["email"])
    return user


def channel(institution: Institution, by, audience: str = "everyone", name: str = "") -> Channel:
    return services.create_channel(
        institution=institution,
        name=name or f"Канал {next(_seq)}",
        audience=audience,
        by=by,
    )


def future(days: int = 30) -> dt.datetime:
    """A moment well in the (real) future, for services that read the clock themselves."""
    return (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)


def post_in_state(ch: Channel, author, editor, state: str, title: str = "") -> Post:
    """A post of `author` driven through the services into `state` (the editor decides)."""
    post = services.create_post(
        channel=ch, title=title or f"Пост {next(_seq)}", body="Текст поста.", by=author
    )
    if state == PostState.DRAFT:
        return post
    services.submit_post(post=post, by=author)
    if state == PostState.SUBMITTED:
        return Post.objects.get(pk=post.pk)
    if state == PostState.CHANGES_REQUESTED:
        services.request_changes(post=post, by=editor, comment="Сократите, пожалуйста.")
    elif state == PostState.REJECTED:
        services.reject_post(post=post, by=editor, comment="Не по теме канала.")
    else:
        services.approve_post(post=post, by=editor)
        if state == PostState.SCHEDULED:
            services.schedule_post(post=post, by=editor, publish_at=future())
        elif state == PostState.PUBLISHED:
            services.publish_post_now(post=post, by=editor)
    post = Post.objects.get(pk=post.pk)
    assert post.state == state
    return post


def event(
    institution: Institution,
    by,
    starts_at: dt.datetime,
    *,
    kind: str = EventKind.BROADCAST,
    minutes: int = 60,
    now: dt.datetime | None = None,
    title: str = "",
    **extra,
) -> Event:
    """`services.create_event` planned `now` (default: a day before the start)."""
    return services.create_event(
        institution=institution,
        kind=kind,
        title=title or f"Событие {next(_seq)}",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        by=by,
        now=now or starts_at - dt.timedelta(days=1),
        **extra,
    )


def page(name: str, institution: Institution, *args) -> str:
    return reverse(f"channels:{name}", args=[institution.pk, *args])


def text_of(response) -> str:
    return response.content.decode()


@contextlib.contextmanager
def shared_data(django_db_blocker):
    """Data built once for a module: one outer transaction, rolled back when the module ends.

    Each test still runs in its own savepoint (pytest-django's `db`), so tests stay independent.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def post_row(ch: Channel, author, state: str, title: str = "") -> Post:
    """A post put straight into `state` (test data only: the steps themselves go through the
    services in the tests)."""
    now = timezone.now()
    return Post.objects.create(
        institution=ch.institution,
        channel=ch,
        author=author,
        title=title or f"Пост {next(_seq)}",
        body="Текст поста.",
        state=state,
        review_comment="Комментарий." if state in (PostState.CHANGES_REQUESTED, "rejected") else "",
        publish_at=future(5) if state == PostState.SCHEDULED else None,
        published_at=now if state == PostState.PUBLISHED else None,
    )


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def ru(msgid: str) -> str:
    with translation.override("ru"):
        text = translation.gettext(msgid)
    assert re.search("[а-яё]", text, re.I), f"not translated: {msgid}"
    return text
