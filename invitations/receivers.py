"""What happens to invitation links when the roster moves: the receivers of `roles.signals`.

`roles` never imports this app; it sends `person_left` and `memberships_ended` and these
receivers answer them (connected in `InvitationsConfig.ready()`). Both run inside the
movement's transaction, so the links are revoked together with the movement, or not at all if
it fails. A revoked link is kept, marked revoked with the reason «the person left».
"""

from __future__ import annotations

from . import services


def revoke_links_of_leaver(sender, person, by=None, **kwargs) -> None:
    """A person who leaves the institution: every working personal link of theirs (into any
    unit) is revoked, and the revocation audited if there was any. Class-wide links stay."""
    services.revoke_for_person(person=person, by=by)


def revoke_links_into_units_left(sender, memberships, by=None, **kwargs) -> None:
    """Memberships that end other than by leaving (a transfer, a change of role, leaving a unit,
    the unit archived): the person's working personal links into that unit in that role are
    revoked, so that an old link does not bring them back. Their other links stay."""
    services.revoke_for_memberships(memberships=memberships, by=by)
