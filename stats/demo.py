"""Demo statistics for `seed_demo`: the last 30 complete days, rolled up from the demo data."""

import datetime as dt

from . import services
from .models import UsageSnapshot


def seed(*, institution) -> None:
    if UsageSnapshot.objects.filter(institution=institution).exists():
        return
    last = services.default_day(institution)
    services.rollup_range(start=last - dt.timedelta(days=29), end=last, institution=institution)
