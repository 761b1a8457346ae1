"""Signals other apps listen to, so that `roles` never imports them."""

from django.dispatch import Signal

# Sent after a person left the institution (movement «leave»), inside the transaction.
# kwargs: person, effective_date, by
person_left = Signal()

# Sent when memberships end other than by leaving (transfer, change of role, leaving a unit,
# archiving it), inside the transaction. kwargs: memberships (a list), by
memberships_ended = Signal()
