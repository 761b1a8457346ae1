"""What the tests of the roles services share: the day they record movements on, open roles."""

import datetime as dt

from roles.models import Membership

TODAY = dt.date(2026, 11, 20)


def open_roles(person):
    return sorted(
        (m.unit.name, m.role)
        for m in Membership.objects.filter(person=person, end_date__isnull=True)
    )
