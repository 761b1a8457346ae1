"""The teacher verification service: Sferum's «учитель» status."""

import pytest
from django.core.exceptions import ValidationError

from roles import services
from roles.models import Membership, Role, UnitKind, Verification

from ...factories import make_member, make_unit
from .helpers import TODAY


def test_verification_covers_every_teacher_membership(institution, klass):
    teacher = make_member(institution, Role.TEACHER)
    services.enrol(person=teacher, unit=klass, role=Role.TEACHER, effective_date=TODAY)
    assert set(
        Membership.objects.filter(person=teacher).values_list("verification", flat=True)
    ) == {Verification.PENDING}
    services.decide_teacher_verification(person=teacher, by=None, approve=True)
    assert set(
        Membership.objects.filter(person=teacher).values_list("verification", flat=True)
    ) == {Verification.VERIFIED}
    other = make_unit(institution, UnitKind.CLASS, "7В")
    later = services.enrol(person=teacher, unit=other, role=Role.TEACHER, effective_date=TODAY)
    assert later.verification == Verification.VERIFIED


def test_rejecting_a_teacher_needs_a_reason(institution):
    teacher = make_member(institution, Role.TEACHER)
    with pytest.raises(ValidationError):
        services.decide_teacher_verification(person=teacher, by=None, approve=False)
    services.decide_teacher_verification(person=teacher, by=None, approve=False, note="не педагог")
    membership = Membership.objects.get(person=teacher)
    assert membership.verification == Verification.REJECTED
    assert membership.verification_note == "не педагог"
