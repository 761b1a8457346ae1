"""What happens to invitation links when the roster moves: the receivers of `roles.signals`.

`roles` never imports this app; it sends `person_left`, `memberships_ended` and
`people_merged`, and these receivers answer them (connected in `InvitationsConfig.ready()`).
They run inside the sender's transaction, so the links change together with the roster, or not
at all if it fails. A revoked link is kept, marked revoked with the reason «the person left».
The person's page asks for its sections (`person_page_sections`): this app shows the person's
sign-in links there.
"""

from __future__ import annotations

from . import services


def revoke_links_of_leaver(sender, person, by=None, **kwargs) -> None:
    """A person who leaves the institution: every working personal link of theirs (into any
    unit) and every working sign-in link is revoked, and the revocation audited if there was
    any. Class-wide links stay."""
    services.revoke_for_person(person=person, by=by)
    services.revoke_signin_links_of(person=person, by=by)


def revoke_links_into_units_left(sender, memberships, by=None, **kwargs) -> None:
    """Memberships that end other than by leaving (a transfer, a change of role, leaving a unit,
    the unit archived): the person's working personal links into that unit in that role are
    revoked, so that an old link does not bring them back. Their other links stay."""
    services.revoke_for_memberships(memberships=memberships, by=by)


def move_rows_of_merged_person(sender, keep, remove, memberships, by=None, **kwargs) -> None:
    """Two roster rows of one person merged (`roles.services.merge_people`): the removed one's
    personal links, their uses (re-pointed to the kept memberships), join requests and sign-in
    links go to the kept person, before the removed row is deleted."""
    services.hand_over_person(keep=keep, remove=remove, memberships=memberships)


def person_page_signin_links(sender, request, person, institution, **kwargs):
    """The person's page: their sign-in links (and the button to issue one), as HTML."""
    from .views.signin import person_section

    return person_section(request, person, institution)
