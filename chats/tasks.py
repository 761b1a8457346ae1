from celery import shared_task

from roles.models import Institution, User

from . import services


@shared_task
def remind_missing_chats(institution_id: int, user_id: int | None = None) -> int:
    institution = Institution.objects.get(pk=institution_id)
    by = User.objects.filter(pk=user_id).first() if user_id else None
    return services.send_missing_chat_reminders(institution=institution, by=by)
