from celery import shared_task

from roles.models import Institution, User

from . import services


@shared_task
def remind_missing_chats(institution_id: int, user_id: int | None = None) -> int:
    institution = Institution.objects.get(pk=institution_id)
    by = User.objects.filter(pk=user_id).first() if user_id else None
    return services.send_missing_chat_reminders(institution=institution, by=by)


@shared_task
def sync_messenger(institution_id: int, user_id: int | None = None) -> str:
    """The "sync now" button: one institution's MAX chats; returns the bot's state."""
    institution = Institution.objects.get(pk=institution_id)
    by = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        return services.sync_institution(institution=institution, by=by).state
    except services.MessengerNotConfigured:
        return "no_token"


@shared_task
def sync_all_messengers() -> int:
    """Hourly: every institution whose MAX bot token is set."""
    return services.sync_all()
