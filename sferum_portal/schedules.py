"""Periodic jobs, kept in django-celery-beat's tables so that an admin can see and change them.

Each entry is created once after `migrate`; later changes made in the Django admin are kept.
"""

from django.db.models.signals import post_migrate

# name -> (task, crontab fields)
SCHEDULES: dict[str, tuple[str, dict[str, str]]] = {
    "Удаление загруженных файлов контингента": (
        "roles.tasks.purge_roster_files",
        {"minute": "30", "hour": "3"},
    ),
    # Hourly, so that every time zone has yesterday's figures soon after its own midnight
    # (the rollup is idempotent and takes about a second for a region).
    "Ежедневная статистика для директора": (
        "stats.tasks.rollup_stats",
        {"minute": "15", "hour": "*"},
    ),
    # Imports confirmed while the broker was down are sent again once it is back.
    "Повторная отправка зависших импортов контингента": (
        "roles.tasks.redispatch_queued_imports",
        {"minute": "*", "hour": "*"},
    ),
    # Personal data is kept no longer than needed (152-ФЗ): access records and old sessions.
    "Удаление старых записей о входах": (
        "roles.tasks.purge_login_records",
        {"minute": "40", "hour": "3"},
    ),
    "Удаление истёкших сессий": (
        "roles.tasks.clear_expired_sessions",
        {"minute": "50", "hour": "3"},
    ),
    "Истечение и аннулирование неиспользованных приглашений": (
        "invitations.tasks.expire_invitations",
        {"minute": "5", "hour": "*"},
    ),
    # Every five minutes: a post appears and a reminder goes out at most five minutes late.
    "Публикация запланированных постов": (
        "channels_app.tasks.publish_due_posts",
        {"minute": "*/5", "hour": "*"},
    ),
    "Напоминания о трансляциях, встречах, занятиях и семинарах": (
        "channels_app.tasks.send_event_reminders",
        {"minute": "*/5", "hour": "*"},
    ),
    # Hourly: the chats the institutions' MAX bots see, reconciled with the roster.
    "Сверка участников чатов MAX с контингентом": (
        "chats.tasks.sync_all_messengers",
        {"minute": "40", "hour": "*"},
    ),
}


def ensure_schedules(**kwargs) -> int:
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created = 0
    for name, (task, cron) in SCHEDULES.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule, _ = CrontabSchedule.objects.get_or_create(
            timezone=settings.CELERY_TIMEZONE,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            **cron,
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=schedule)
        created += 1
    return created


def _after_migrate(sender, **kwargs):
    if sender.name == "django_celery_beat" or sender.label == "roles":
        from django.db import connection

        tables = connection.introspection.table_names()
        if "django_celery_beat_periodictask" in tables:
            ensure_schedules()


def connect() -> None:
    post_migrate.connect(_after_migrate, dispatch_uid="sferum_portal.schedules")
