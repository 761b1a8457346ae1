"""Printed QR sheets: ten cards a page, a validity for paper, and the short code under each QR
code that the landing accepts in place of the link (typed at /invite/ or in the address)."""

import datetime as dt
import hashlib
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from invitations import services
from invitations.forms import SHEET_DEFAULT_DAYS
from invitations.models import Invitation, Status
from roles.models import Membership, Role
from sferum_portal import tokens

from ..helpers import CODE_RE, landing, make_expired, page, roster_member, text_of

CODE_PAGE = reverse("invite_code")


@pytest.fixture
def sheet(institution, klass, admin_client):
    """A sheet of 12 students' personal links; returns (response, codes in order)."""
    for n in range(12):
        roster_member(klass, Role.STUDENT, last_name=f"Ученик{n:02d}", first_name="Тест")
    response = admin_client.post(page("bulk", institution), {"unit": klass.pk, "role": "student"})
    return response, CODE_RE.findall(text_of(response))


def test_a_sheet_has_ten_cards_a_page_each_with_its_name_class_role_expiry_and_code(klass, sheet):
    response, codes = sheet

    html = text_of(response)
    assert len(codes) == len(set(codes)) == 12
    assert html.count('class="qr-page"') == 2  # 10 + 2
    assert html.count('class="qr-card"') == 12
    for n in range(12):
        assert f"Ученик{n:02d} Тест" in html
    expiry = (timezone.localtime() + dt.timedelta(days=SHEET_DEFAULT_DAYS)).strftime("%d.%m.%Y")
    assert html.count(expiry) == 12
    assert html.count(f"<p>{klass} — {Role.STUDENT.label}</p>") == 12
    assert "http://testserver/invite/" in html  # where to type the code


def test_the_validity_of_a_sheet_is_chosen_within_the_maximum(institution, klass, admin_client):
    roster_member(klass, Role.STUDENT)
    url = page("bulk", institution)

    assert (
        admin_client.post(url, {"unit": klass.pk, "role": "student", "valid_days": 120})
        .context["form"]
        .errors["valid_days"]
    )
    admin_client.post(url, {"unit": klass.pk, "role": "student", "valid_days": 60})

    invitation = Invitation.objects.get()
    days = (invitation.expires_at - timezone.now()).total_seconds() / 86400
    assert 59.9 < days <= 60
    choices = admin_client.get(url).context["form"].fields["valid_days"].choices
    assert 30 in [value for value, _label in choices]
    assert max(value for value, _label in choices) == 90


def test_codes_have_no_look_alike_characters_and_are_kept_only_as_a_keyed_hash(sheet):
    _response, codes = sheet

    for shown in codes:
        code = tokens.normalize_short_code(shown)
        assert len(code) == 10 and not set(code) & set("0O1IL")
        stored = Invitation.objects.filter(short_code_hash=tokens.hash_short_code(code))
        assert stored.count() == 1
        assert stored.get().short_code_hash != hashlib.sha256(code.encode()).hexdigest()
    values = Invitation.objects.values_list("short_code_hash", "token_hash", "search_key")
    assert not any(tokens.normalize_short_code(c) in str(values) for c in codes)


def test_a_code_typed_in_any_case_opens_the_landing_and_joins(klass, sheet):
    _response, codes = sheet
    typed = codes[0].lower().replace("-", " ")
    client = Client()

    entered = client.post(CODE_PAGE, {"code": typed})

    code = tokens.normalize_short_code(typed)
    assert entered.status_code == 302 and entered["Location"] == landing(code)
    landing_page = client.get(entered["Location"])
    assert landing_page.status_code == 200
    assert "Ученик00 Тест" in text_of(landing_page)

    joined = client.post(landing(code), {"action": "join"})

    assert joined.status_code == 302
    membership = Membership.objects.get(person__last_name="Ученик00")
    assert membership.joined_at is not None
    assert Client().get(landing(codes[0])).status_code == 410  # used once


def test_the_code_page_says_what_a_code_looks_like(db):
    page_response = Client().get(CODE_PAGE)
    assert page_response.status_code == 200
    wrong = Client().post(CODE_PAGE, {"code": "ABCDE-FGHJ0"})
    assert wrong.status_code == 200 and wrong.context["error"]


def test_an_unknown_expired_or_revoked_code_is_refused(klass, admin_user, sheet):
    _response, codes = sheet
    client = Client()
    assert client.get(landing(tokens.new_short_code())).status_code == 404
    first = Invitation.objects.get(
        short_code_hash=tokens.hash_short_code(tokens.normalize_short_code(codes[1]))
    )
    make_expired(first)
    assert client.get(landing(codes[1])).status_code == 410
    second = Invitation.objects.get(
        short_code_hash=tokens.hash_short_code(tokens.normalize_short_code(codes[2]))
    )
    services.revoke_invitation(invitation=second, by=admin_user)
    assert second.status == Status.REVOKED
    assert client.get(landing(codes[2])).status_code == 410


@override_settings(INVITE_RATE_LIMIT_PER_MINUTE=3)
def test_typing_codes_is_rate_limited_with_the_landing(db):
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.2)
    client = Client(REMOTE_ADDR="10.0.0.9")

    statuses = [client.post(CODE_PAGE, {"code": tokens.new_short_code()}).status_code]
    statuses.append(client.get(landing(tokens.new_short_code())).status_code)
    statuses.append(client.get(landing(tokens.new_short_code())).status_code)
    statuses.append(client.post(CODE_PAGE, {"code": tokens.new_short_code()}).status_code)

    assert statuses == [302, 404, 404, 429]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abcde-fghjk", "ABCDEFGHJK"),
        (" ABCDE FGHJK ", "ABCDEFGHJK"),
        ("ABCDE—FGHJK", "ABCDEFGHJK"),
        ("ABCDE-FGHJ", None),
        ("ABCDE-FGHJ1", None),
        ("ОВСДЕ-FGHJK", None),  # Cyrillic look-alikes are not the code's letters
        ("", None),
    ],
)
def test_a_typed_code_is_read_leniently_but_never_guessed(typed, code):
    assert tokens.normalize_short_code(typed) == code
