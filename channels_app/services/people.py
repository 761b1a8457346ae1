"""The channels app's rows of a person, when two roster rows of one person are merged
(`roles.signals.people_merged`; the receiver is `channels_app.receivers`): the removed row's
authorship of posts, the events it hosts and its seminar attendance go to the kept person.

Posts and their history name logins, not roster people: they need nothing.
"""

from __future__ import annotations

from roles.models import Person

from ..models import ChannelAuthor, Event, SeminarAttendance


def hand_over_person(*, keep: Person, remove: Person) -> dict:
    """Move every row of this app that points at `remove` onto `keep`, without a second
    authorship or a second attendance mark of one event (both are unique per person)."""
    if ChannelAuthor.objects.filter(institution=keep.institution, person=keep).exists():
        ChannelAuthor.objects.filter(person=remove).delete()
    attended = SeminarAttendance.objects.filter(person=keep).values("event_id")
    SeminarAttendance.objects.filter(person=remove, event_id__in=attended).delete()
    return {
        "authors": ChannelAuthor.objects.filter(person=remove).update(person=keep),
        "hosted_events": Event.objects.filter(host=remove).update(host=keep),
        "attendance": SeminarAttendance.objects.filter(person=remove).update(person=keep),
    }
