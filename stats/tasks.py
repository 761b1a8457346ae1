from celery import shared_task

from roles.models import Institution

from . import services


@shared_task
def rollup_stats(institution_id: int | None = None) -> int:
    institution = Institution.objects.filter(pk=institution_id).first() if institution_id else None
    return services.rollup(institution=institution)
