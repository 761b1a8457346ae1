"""Smaller defects seen on the walk (issue 13, item 10): an unverified teacher is not offered
«Пригласить обучающихся и родителей»; the short name is the page heading, the full legal name
is on the institution's card and in documents."""

import re

from django.urls import reverse

from roles.models import Role, UnitKind

from ...conftest import login
from ...factories import make_institution, make_member, make_unit

FULL = "Муниципальное образовательное учреждение дополнительного образования «Центр детей»"


def h1(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)[1].strip()


def test_only_a_verified_class_teacher_is_offered_to_invite_families(institution):
    klass = make_unit(institution, UnitKind.CLASS, "2А")
    bulk = reverse("invitations:bulk", args=[institution.pk])
    waiting = make_member(institution, Role.TEACHER, klass)  # «учитель» not yet verified
    verified = make_member(institution, Role.TEACHER, klass, verified=True)
    assert bulk not in login(waiting.user).get("/").content.decode()
    assert bulk in login(verified.user).get("/").content.decode()
    # The director is offered it too, as before.
    director = make_member(institution, Role.DIRECTOR)
    assert bulk in login(director.user).get("/").content.decode()


def test_the_short_name_heads_the_pages_and_the_full_name_is_on_the_card(db):
    institution = make_institution(FULL)
    institution.short_name = "ЦДО «Центр детей»"
    institution.save()
    director = make_member(institution, Role.DIRECTOR)
    client = login(director.user)
    assert h1(client.get("/")) == "ЦДО «Центр детей»"
    card = client.get(reverse("roles:institution", args=[institution.pk]))
    assert FULL in h1(card)
