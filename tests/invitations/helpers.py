"""Small helpers shared by the invitation tests."""

import datetime as dt
import re

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from invitations import services
from invitations.models import Invitation
from roles import services as roles_services
from roles.models import PersonKind, Role

from ..factories import START, UserFactory, make_person

# The raw token in a link: base64url characters.
LINK_RE = re.compile(r"/invite/([A-Za-z0-9_-]{22,})/")
# The short code under a QR code on a printed sheet.
CODE_RE = re.compile(r'class="qr-card-short">([2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5})<')


def landing(token: str) -> str:
    return reverse("invite", args=[token])


def page(name: str, institution, *args) -> str:
    return reverse(f"invitations:{name}", args=[institution.pk, *args])


def issue(unit, role, by, **kwargs):
    """`create_invitation` with the contract's keywords; returns (invitation, token)."""
    return services.create_invitation(unit=unit, role=role, created_by=by, **kwargs)


def make_expired(invitation: Invitation, minutes: int = 1) -> None:
    """Move the expiry into the past without running any job (a fake clock for one row)."""
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    invitation.refresh_from_db()


def age(invitation: Invitation, days: float) -> None:
    """Pretend the link was issued `days` ago (its expiry moves with it)."""
    delta = dt.timedelta(days=days)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=invitation.created_at - delta, expires_at=invitation.expires_at - delta
    )
    invitation.refresh_from_db()


def roster_member(unit, role: str = Role.STUDENT, **names):
    """A roster person of `unit` in `role` without a login (as an import leaves them)."""
    kind = {Role.STUDENT: PersonKind.STUDENT, Role.PARENT: PersonKind.PARENT}.get(
        role, PersonKind.STAFF
    )
    person = make_person(unit.institution, kind=kind, **names)
    roles_services.enrol(person=person, unit=unit, role=role, effective_date=START)
    return person


def text_of(response) -> str:
    return response.content.decode()


def h1(response) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", text_of(response), re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else ""


def _as_text(value) -> str:
    if isinstance(value, memoryview | bytes):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def all_table_values() -> str:
    """Every value of every row of every table of the test database, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                chunks.append(" ".join(_as_text(value) for value in row))
    return "\n".join(chunks)


def token_in(response) -> str:
    found = LINK_RE.findall(text_of(response))
    assert found, "no invitation link on the page"
    assert len(set(found)) == 1
    return found[0]


def pending_request(klass, admin_user, role=Role.STUDENT, **fields):
    """A join request waiting for a decision, made through a class-wide link with approval."""
    _invitation, token = issue(klass, role, admin_user, max_uses=None)
    fields.setdefault("last_name", "Лебедев")
    fields.setdefault("first_name", "Павел")
    if role == Role.PARENT:
        fields.setdefault("child_name", "Лебедева Ира")
    return services.request_to_join(token=token, user=UserFactory(), **fields)
