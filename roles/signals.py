"""Signals other apps listen to, so that `roles` never imports them."""

from django.dispatch import Signal

# Sent after a person left the institution (movement «leave»), inside the transaction.
# kwargs: person, effective_date, by
person_left = Signal()
