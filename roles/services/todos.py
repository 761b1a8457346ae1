"""The to-do list of manual steps in Sferum, and the portal's language for stored text.

- `portal_text`: a stored title in the portal's language, whoever's request writes it.
- `create_todo`, `complete_todo`, `reopen_todo`: the list itself (other apps add their steps too).
- `remove_todo`, `transfer_todo`, `reinvite_todo`: the unsaved steps a movement asks for; the
  movements themselves (which save them with their journal entry) are in `movement`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..models import Institution, Movement, Person, Role, TodoItem, TodoKind, Unit
from .audit import audit


def portal_text(message: str, **params) -> str:
    """Stored text (a to-do's title) is in the portal's language, not in the request's."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % {k: str(v) for k, v in params.items()}


def create_todo(
    *,
    institution: Institution,
    kind: str,
    title: str,
    person: Person | None = None,
    unit: Unit | None = None,
    movement: Movement | None = None,
) -> TodoItem:
    """Other apps add their manual Sferum steps here too (e.g. publishing a post)."""
    return TodoItem.objects.create(
        institution=institution,
        kind=kind,
        title=title[:500],
        person=person,
        unit=unit,
        movement=movement,
    )


@transaction.atomic
def complete_todo(*, todo: TodoItem, by) -> TodoItem:
    todo = TodoItem.objects.select_for_update().get(pk=todo.pk)
    if todo.done_at is None:
        todo.done_at = timezone.now()
        todo.done_by = by
        todo.save(update_fields=["done_at", "done_by"])
        audit(
            institution=todo.institution,
            actor=by,
            action="todo.done",
            summary=_("Done in Sferum: %(title)s") % {"title": todo.title},
            obj=todo,
        )
    return todo


@transaction.atomic
def reopen_todo(*, todo: TodoItem, by) -> TodoItem:
    todo = TodoItem.objects.select_for_update().get(pk=todo.pk)
    if todo.done_at is not None:
        todo.done_at = None
        todo.done_by = None
        todo.save(update_fields=["done_at", "done_by"])
        audit(
            institution=todo.institution,
            actor=by,
            action="todo.reopen",
            summary=_("Reopened: %(title)s") % {"title": todo.title},
            obj=todo,
        )
    return todo


# --- the steps a movement asks for ------------------------------------------------------------
# A movement needs a manual step in Sferum only when the person had already joined the unit
# there: enrolment needs none (the portal's invitation links do that work).


def remove_todo(person: Person, unit: Unit) -> TodoItem:
    title = portal_text(
        gettext_noop("Remove %(person)s from «%(unit)s» in Sferum"),
        person=person.short_name,
        unit=unit,
    )
    return TodoItem(
        institution_id=person.institution_id,
        kind=TodoKind.REMOVE,
        title=title,
        person=person,
        unit=unit,
    )


def transfer_todo(person: Person, from_unit: Unit, to_unit: Unit) -> TodoItem:
    title = portal_text(
        gettext_noop(
            "Remove %(person)s from «%(from)s» in Sferum and send an invitation to «%(to)s»"
        ),
        person=person.short_name,
        **{"from": from_unit, "to": to_unit},
    )
    return TodoItem(
        institution_id=person.institution_id,
        kind=TodoKind.REINVITE,
        title=title,
        person=person,
        unit=to_unit,
    )


def reinvite_todo(person: Person, unit: Unit, role: str) -> TodoItem:
    title = portal_text(
        gettext_noop(
            "Sferum cannot change a role: remove %(person)s from «%(unit)s» and invite again "
            "as %(role)s"
        ),
        person=person.short_name,
        unit=unit,
        role=_role_label(role),
    )
    return TodoItem(
        institution_id=person.institution_id,
        kind=TodoKind.REINVITE,
        title=title,
        person=person,
        unit=unit,
    )


def _role_label(role: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(Role(role).label)
