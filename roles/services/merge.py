"""Merging two roster rows of one person (DESIGN §5: duplicates are merged, never left).

`merge_people(keep=..., remove=..., by=...)` moves everything of `remove` onto `keep` in one
audited transaction and deletes `remove`:
- memberships (one of `remove` that `keep` also holds open, same unit and role, is folded into
  `keep`'s: the earlier start, the earlier «joined», the better «учитель» status), movements,
  to-dos, administrator appointments (a second open one is ended: one person, one appointment),
  guardian links in both directions (no duplicate, no self-link);
- the login, when only `remove` has one (two different logins are refused: somebody must say
  which of them is the person's);
- the rows of the other apps (links, their uses, join requests, chats, channel authorship,
  events, ...) through `roles.signals.people_merged`, answered by their `receivers` inside this
  transaction.
Before `remove` is deleted every relation to `Person` in the project is checked (through the
model registry, so `roles` imports no other app): a row still pointing at `remove` makes the
merge fail and roll back, so nothing is cascaded away or left orphaned.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import permissions
from ..errors import NotAllowed, RuleBroken
from ..models import (
    AdminAppointment,
    GuardianLink,
    Membership,
    Movement,
    Person,
    PersonKind,
    TodoItem,
    Verification,
)
from ..signals import people_merged
from .audit import audit
from .todos import portal_text

# The better «учитель» status wins when two memberships become one.
VERIFICATION_RANK = {
    Verification.VERIFIED: 3,
    Verification.PENDING: 2,
    Verification.REJECTED: 1,
    Verification.NOT_REQUIRED: 0,
}


def rows_pointing_at(person: Person) -> dict[str, int]:
    """Every relation to `Person` in the project (any app) with rows still pointing at
    `person`: {"app.Model.field": count}. Empty when nothing refers to the person."""
    found = {}
    for relation in Person._meta.related_objects:
        if relation.many_to_many:
            continue  # the guardians' through model is walked by its own foreign keys
        model, field = relation.related_model, relation.field
        count = model._base_manager.filter(**{field.name: person.pk}).count()
        if count:
            found[f"{model._meta.label}.{field.name}"] = count
    return found


def check_mergeable(*, keep: Person, remove: Person) -> None:
    """The rules of a merge, for the confirmation page as for the merge itself."""
    if keep.pk == remove.pk:
        raise RuleBroken(_("A person cannot be merged with themselves."))
    if keep.institution_id != remove.institution_id:
        raise NotAllowed(_("The person belongs to another institution."))
    if keep.kind != remove.kind:
        raise RuleBroken(
            _("%(a)s and %(b)s are of different kinds (%(kind_a)s, %(kind_b)s): not one person.")
            % {
                "a": keep.short_name,
                "b": remove.short_name,
                "kind_a": keep.get_kind_display(),
                "kind_b": remove.get_kind_display(),
            }
        )
    if keep.user_id and remove.user_id and keep.user_id != remove.user_id:
        raise RuleBroken(
            _(
                "Both have a login of their own: it is not known which one is the person's. "
                "Merging is possible when only one of them has a login."
            )
        )
    if keep.external_id and remove.external_id and keep.external_id != remove.external_id:
        raise RuleBroken(
            _(
                "Both have external ids (%(a)s, %(b)s): the school's system counts them as two "
                "people. Correct the id of the wrong one first."
            )
            % {"a": keep.external_id, "b": remove.external_id}
        )


def _better_verification(kept: Membership, other: Membership) -> Membership:
    if VERIFICATION_RANK[other.verification] > VERIFICATION_RANK[kept.verification]:
        return other
    return kept


def _fold_memberships(keep: Person, remove: Person) -> dict[int, int]:
    """Move `remove`'s memberships to `keep`; an open one that `keep` holds too (same unit and
    role: the database allows one open) is folded into `keep`'s. Returns {folded: kept}."""
    kept_open = {
        (m.unit_id, m.role): m
        for m in Membership.objects.select_for_update().filter(person=keep, end_date__isnull=True)
    }
    folded: dict[int, int] = {}
    for membership in Membership.objects.select_for_update().filter(person=remove):
        twin = kept_open.get((membership.unit_id, membership.role))
        if membership.end_date is not None or twin is None:
            continue
        twin.start_date = min(twin.start_date, membership.start_date)
        joined = [at for at in (twin.joined_at, membership.joined_at) if at is not None]
        twin.joined_at = min(joined) if joined else None
        better = _better_verification(twin, membership)
        if better is membership:
            twin.verification = membership.verification
            twin.verified_by_id = membership.verified_by_id
            twin.verified_at = membership.verified_at
            twin.verification_note = membership.verification_note
        twin.save()
        folded[membership.pk] = twin.pk
    Membership.objects.filter(person=remove).exclude(pk__in=folded).update(person=keep)
    permissions.forget_access([keep.user_id, remove.user_id])
    return folded


def _move_guardian_links(keep: Person, remove: Person) -> None:
    """Both directions; a link `keep` already has, or one that would join `keep` to itself,
    is dropped."""
    for side, other in (("parent", "student"), ("student", "parent")):
        existing = set(
            GuardianLink.objects.filter(**{side: keep}).values_list(f"{other}_id", flat=True)
        )
        for link in GuardianLink.objects.filter(**{side: remove}):
            counterpart = getattr(link, f"{other}_id")
            if counterpart in existing or counterpart == keep.pk:
                link.delete()
            else:
                setattr(link, side, keep)
                link.save(update_fields=[side])
                existing.add(counterpart)


def _move_appointments(keep: Person, remove: Person, by) -> None:
    """An appointment is the person's: it moves. Two open ones would be two appointments of
    one person: the one of the removed row ends today."""
    if AdminAppointment.objects.filter(person=keep, end_date__isnull=True).exists():
        today = keep.institution.local_today()
        for appointment in AdminAppointment.objects.filter(person=remove, end_date__isnull=True):
            appointment.end_date = max(today, appointment.start_date)
            appointment.ended_by = by if getattr(by, "pk", None) else None
            appointment.end_reason = portal_text(gettext_noop("merged with a duplicate entry"))
            appointment.save(update_fields=["end_date", "ended_by", "end_reason"])
    AdminAppointment.objects.filter(person=remove).update(person=keep)
    permissions.forget_access([keep.user_id, remove.user_id])


def _describe(person: Person) -> dict:
    return {
        "pk": person.pk,
        "name": person.full_name,
        "external_id": person.external_id,
        "user": person.user_id,
    }


@transaction.atomic
def merge_people(*, keep: Person, remove: Person, by) -> Person:
    """Merge `remove` into `keep` (one person entered twice); `remove` is deleted."""
    if not permissions.can(by, "people.merge", keep.institution):
        raise NotAllowed(_("You may not merge people."))
    # Both rows locked, in a fixed order (two admins merging crosswise wait, not deadlock).
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .select_related("institution")
        .filter(pk__in=[keep.pk, remove.pk])
        .order_by("pk")
    }
    if len(locked) < 2 and keep.pk != remove.pk:
        raise RuleBroken(_("One of the two people no longer exists."))
    keep, remove = locked[keep.pk], locked[remove.pk]
    check_mergeable(keep=keep, remove=remove)
    before = {"kept": _describe(keep), "removed": _describe(remove)}

    folded = _fold_memberships(keep, remove)
    Movement.objects.filter(person=remove).update(person=keep)
    TodoItem.objects.filter(person=remove).update(person=keep)
    _move_appointments(keep, remove, by)
    _move_guardian_links(keep, remove)

    # What `keep` takes over: the login, and the details it lacks. `remove` lets go of them
    # first (one login and one external id per person of the institution).
    taken = {
        name: getattr(remove, name)
        for name in ("user", "external_id", "patronymic", "email")
        if getattr(remove, name) and not getattr(keep, name)
    }
    if keep.kind == PersonKind.STUDENT:
        taken.pop("email", None)
    if remove.user_id or remove.external_id:
        remove.user, remove.external_id = None, ""
        remove.save(update_fields=["user", "external_id", "updated_at"])
    for name, value in taken.items():
        setattr(keep, name, value)
    # Still on the roster if either entry is; otherwise the later leaving date.
    if keep.left_on is not None:
        keep.left_on = None if remove.left_on is None else max(keep.left_on, remove.left_on)
    keep.save()

    people_merged.send(sender=Person, keep=keep, remove=remove, memberships=folded, by=by)
    Membership.objects.filter(pk__in=folded).delete()

    left_behind = rows_pointing_at(remove)
    if left_behind:
        raise RuleBroken(
            _("Not merged: rows still point at %(person)s (%(rows)s).")
            % {"person": remove.short_name, "rows": ", ".join(sorted(left_behind))}
        )
    remove.delete()
    audit(
        institution=keep.institution,
        actor=by,
        action="person.merge",
        summary=_("%(removed)s merged into %(kept)s")
        % {"removed": before["removed"]["name"], "kept": keep.short_name},
        obj=keep,
        data={**before, "memberships_folded": len(folded), "took_over": sorted(taken)},
    )
    return keep
