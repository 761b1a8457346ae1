"""What the invitations app moves when two roster rows of one person are merged
(`roles.services.merge_people` sends `roles.signals.people_merged`; the receiver is in
`invitations.receivers`): personal links, their uses (and the memberships they point at),
join requests and sign-in links of the removed person go to the kept one.

Nothing is revoked or deleted here: a link keeps its status, a use its moment.
"""

from __future__ import annotations

from roles.models import Person, normalize_search

from ..models import Invitation, InvitationUse, JoinRequest, SignInLink


def hand_over_person(*, keep: Person, remove: Person, memberships: dict[int, int]) -> dict:
    """Move every row of this app that points at `remove` onto `keep`; `memberships` maps a
    membership of `remove` that was folded into one of `keep`'s. Returns the counts moved."""
    for old, new in memberships.items():
        InvitationUse.objects.filter(membership_id=old).update(membership_id=new)
    moved = {
        "invitations": list(Invitation.objects.filter(person=remove).values_list("pk", flat=True)),
    }
    for invitation in Invitation.objects.filter(pk__in=moved["invitations"]):
        invitation.person = keep
        # The search key names the person the link is for (see create_invitation).
        invitation.search_key = normalize_search(
            " ".join(x for x in (keep.full_name, invitation.email, invitation.note) if x)
        )[:800]
        invitation.save(update_fields=["person", "search_key"])
    return {
        "invitations": len(moved["invitations"]),
        "uses": InvitationUse.objects.filter(person=remove).update(person=keep),
        "join_requests": JoinRequest.objects.filter(person=remove).update(person=keep),
        "signin_links": SignInLink.objects.filter(person=remove).update(person=keep),
    }
