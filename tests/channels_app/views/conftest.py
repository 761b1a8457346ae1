"""The data set of the channels pages, built once for each module that asks for it."""

import pytest

from channels_app import services
from channels_app.models import PostState
from roles.models import Role, UnitKind

from ...factories import UserFactory, make_institution, make_member, make_unit
from ..helpers import channel, event, future, member, post_in_state, shared_data, teacher


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker):
        institution = make_institution("Школа № 7")
        klass = make_unit(institution, UnitKind.CLASS, "4А")
        admin = make_member(institution, Role.ADMIN).user
        director = make_member(institution, Role.DIRECTOR).user
        users = {
            "director": director,
            "deputy": make_member(institution, Role.DEPUTY).user,
            "admin": admin,
            "teacher": teacher(institution, klass).user,
            "student": member(klass, Role.STUDENT).user,
            "parent": member(klass, Role.PARENT).user,
            "no_role": UserFactory(),
            "outsider": make_member(make_institution(), Role.ADMIN).user,
            "superuser": UserFactory(is_superuser=True, is_staff=True),
        }
        news = channel(institution, admin, "everyone", "Новости")
        published = post_in_state(news, director, admin, PostState.PUBLISHED)
        submitted = post_in_state(news, director, admin, PostState.SUBMITTED)
        author = services.allow_author(
            institution=institution,
            person=teacher(institution, klass),
            by=admin,
        )
        broadcast = event(institution, admin, future(3), now=future(0))
        support = services.create_support_request(
            institution=institution, subject="Не приходит код", description="Описание.", by=admin
        )
        ids = {
            "post": [published.pk],
            "post_edit": [submitted.pk],
            "post_link": [published.pk],
            "post_transition": [submitted.pk, "approve"],
            "channel_edit": [news.pk],
            "channel_archive": [news.pk],
            "author_remove": [author.pk],
            "event": [broadcast.pk],
            "event_edit": [broadcast.pk],
            "event_action": [broadcast.pk, "cancel"],
            "support_detail": [support.pk],
        }
        yield {"institution": institution, "klass": klass, "users": users, "ids": ids}
