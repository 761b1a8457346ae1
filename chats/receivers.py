"""What the chat registry does when `roles` reports that people leave or are merged (its
signals).

Connected in `ChatsConfig.ready()`. Each runs inside the transaction of the movement or the
merge that sent the signal, so one that fails leaves the chats as they were.
"""

from __future__ import annotations

from roles.models import Role

from . import services


def release_chats_of_leaver(sender, person, by=None, **kwargs) -> None:
    """A person left the institution (`roles.signals.person_left`): the chats they own wait for
    a new owner, shown on the board and in the registry; their links stay with the chat."""
    services.release_chats_of(person=person, by=by)


def release_chats_in_units_left(sender, memberships, by=None, **kwargs) -> None:
    """Memberships ended without leaving (a transfer, a change of role, leaving a unit, the unit
    archived; `roles.signals.memberships_ended`): a teacher's chats in the units they no longer
    teach wait for a new owner. Other roles own no chats by their membership."""
    units_by_person: dict = {}
    for membership in memberships:
        if membership.role == Role.TEACHER:
            units_by_person.setdefault(membership.person, []).append(membership.unit_id)
    for person, units in units_by_person.items():
        services.release_chats_of(person=person, by=by, units=units)


def move_chats_of_merged_person(sender, keep, remove, by=None, **kwargs) -> None:
    """Two roster rows of one person merged (`roles.signals.people_merged`, inside the merge's
    transaction): the chats the removed row owns, and the reminders it was sent, go to the kept
    person, before the removed row is deleted."""
    services.hand_over_person(keep=keep, remove=remove)


def leaver_still_in_chats(sender, person, by=None, **kwargs) -> None:
    """A person left the institution (`roles.signals.person_left`) while a reconciled chat
    still shows them: the chat's row says so and a "remove from the chat" to-do is left."""
    services.remove_leaver_from_chats(person=person, by=by)
