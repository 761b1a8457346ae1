from celery import shared_task

from . import services


@shared_task
def expire_invitations() -> int:
    return services.expire_invitations()
