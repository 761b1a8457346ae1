from celery import shared_task

from roles.models import Institution

from . import services


@shared_task
def rollup_stats(institution_id: int | None = None) -> int:
    """The nightly rollup of every institution, or "recalculate now" for one."""
    if institution_id is None:
        return services.rollup()
    institution = Institution.objects.filter(pk=institution_id).first()
    return services.rollup_now(institution=institution) if institution else 0


@shared_task
def rollup_day(institution_id: int, day: str) -> int:
    """One past day of one institution again (an event recorded as held after that day)."""
    import datetime as dt

    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        return 0
    return services.rollup(day=dt.date.fromisoformat(day), institution=institution)
