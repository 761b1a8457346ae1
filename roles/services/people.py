"""The roster's people: `create_person`, `update_person` (`PERSON_EDITABLE`), `link_guardian`.

Putting a person into a unit, moving them and recording their leaving is `movement`; importing
a whole roster file is `roster_import`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from sferum_portal.editing import assign_fields

from ..errors import RuleBroken
from ..models import GuardianLink, Institution, Person, PersonKind
from .audit import audit


def _clean_person(person: Person) -> None:
    if person.kind == PersonKind.STUDENT and person.email:
        raise RuleBroken({"email": _("No e-mail address is kept for students.")})
    person.full_clean()


@transaction.atomic
def create_person(
    *,
    institution: Institution,
    last_name: str,
    first_name: str,
    kind: str,
    patronymic: str = "",
    external_id: str = "",
    email: str = "",
    user=None,
    by=None,
) -> Person:
    person = Person(
        institution=institution,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        patronymic=patronymic.strip(),
        kind=kind,
        external_id=external_id.strip(),
        email=email.strip(),
        user=user,
    )
    _clean_person(person)
    person.save()
    audit(
        institution=institution,
        actor=by,
        action="person.create",
        summary=_("Person added: %(person)s") % {"person": person.short_name},
        obj=person,
    )
    return person


PERSON_EDITABLE = ("last_name", "first_name", "patronymic", "external_id", "email", "user")


@transaction.atomic
def update_person(*, person: Person, by, **fields) -> Person:
    changed = assign_fields(person, fields, PERSON_EDITABLE)
    _clean_person(person)
    person.save()
    audit(
        institution=person.institution,
        actor=by,
        action="person.update",
        summary=_("Person changed: %(person)s") % {"person": person.short_name},
        obj=person,
        data={"fields": changed},
    )
    return person


def link_guardian(*, parent: Person, student: Person, by=None) -> GuardianLink:
    if parent.kind != PersonKind.PARENT or student.kind != PersonKind.STUDENT:
        raise RuleBroken(_("A guardian link joins a parent to a student."))
    if parent.institution_id != student.institution_id:
        raise RuleBroken(_("The parent and the student belong to different institutions."))
    link, created = GuardianLink.objects.get_or_create(parent=parent, student=student)
    if created:
        audit(
            institution=parent.institution,
            actor=by,
            action="person.guardian_link",
            summary=_("%(parent)s is recorded as a parent of %(student)s")
            % {"parent": parent.short_name, "student": student.short_name},
            obj=link,
        )
    return link
