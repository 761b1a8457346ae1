"""Deciding a teacher's «учитель» status from the verification queue, and telling the teacher
by e-mail. The status itself is recorded by `roles.services.decide_teacher_verification`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from roles import permissions
from roles import services as roles_services
from roles.errors import NotAllowed
from roles.models import Person

from .. import emails


@transaction.atomic
def decide_verification(*, person: Person, by, approve: bool, note: str = "") -> int:
    """Confirm or reject the «учитель» status, and tell the teacher when an address is known."""
    if not permissions.can(by, "teacher.verify", person.institution):
        raise NotAllowed(_("You may not verify teachers."))
    count = roles_services.decide_teacher_verification(
        person=person, by=by, approve=approve, note=note
    )
    address = person.email or (person.user.email if person.user_id else "")
    if address:
        transaction.on_commit(
            lambda: emails.send_verification_decision(
                person=person, address=address, approved=approve, note=note
            )
        )
    return count
