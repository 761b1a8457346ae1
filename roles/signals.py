"""Signals other apps listen to, so that `roles` never imports them."""

from django.dispatch import Signal

# Sent after a person left the institution (movement «leave»), inside the transaction.
# kwargs: person, effective_date, by
person_left = Signal()

# Sent when memberships end other than by leaving (transfer, change of role, leaving a unit,
# archiving it), inside the transaction. kwargs: memberships (a list), by
memberships_ended = Signal()

# Sent by `roles.services.merge_people` inside its transaction, after the roles rows moved and
# before the removed person is deleted: every app moves its own rows that point at `remove`
# onto `keep` (a receiver that leaves one behind makes the merge fail and roll back).
# kwargs: keep, remove, memberships ({removed membership pk: kept membership pk} for the
# memberships of `remove` folded into one of `keep`'s), by
people_merged = Signal()

# Sent by the person's page (`roles.views.PersonDetailView`) to collect what other apps show
# about the person (their sign-in links, ...). A receiver returns rendered HTML (safe) or None.
# kwargs: request, person, institution
person_page_sections = Signal()
