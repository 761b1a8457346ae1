from celery import shared_task

from . import services


@shared_task
def publish_due_posts() -> int:
    return services.publish_due_posts()


@shared_task
def send_event_reminders() -> int:
    return services.send_due_reminders()
