"""Demo channels, posts in every state, past and future events of every kind, support requests."""

import datetime as dt

from django.utils import timezone

from roles.models import Person, Role, Unit, User

from . import services
from .models import Channel, Post


def _at(institution, days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local wall-clock time `days` from today in the institution's zone."""
    day = institution.local_today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=institution.tzinfo)


def seed(*, institution) -> None:
    if Channel.objects.filter(institution=institution).exists():
        return
    director = User.objects.get(username="director")
    admin = User.objects.get(username="admin")
    teacher = User.objects.get(username="teacher")
    units = {u.name: u for u in Unit.objects.filter(institution=institution)}

    news = services.create_channel(
        institution=institution,
        name="Новости ЦДОД",
        platform="max",
        link="https://max.ru/cdod_news",
        audience="everyone",
        description="Главные новости центра для всех",
        by=admin,
    )
    parents = services.create_channel(
        institution=institution,
        name="Родителям",
        platform="max",
        audience="parents",
        description="Объявления для родителей",
        by=admin,
    )
    staff = services.create_channel(
        institution=institution,
        name="Педагогам",
        platform="vk",
        audience="staff",
        by=admin,
    )
    services.allow_author(
        institution=institution,
        person=Person.objects.get(institution=institution, user=teacher),
        by=admin,
    )

    def post(channel, author, title, body):
        return services.create_post(channel=channel, title=title, body=body, by=author)

    # Published, and already in Sferum.
    p = post(
        news,
        director,
        "Начался новый учебный год",
        "Дорогие ребята и родители!\n\nЗанятия во всех объединениях начались по расписанию.",
    )
    services.submit_post(post=p, by=director)
    services.approve_post(post=p, by=admin)
    services.publish_post_now(post=p, by=admin)
    services.record_post_link(post=p, by=admin, link="https://max.ru/cdod_news/1")
    Post.objects.filter(pk=p.pk).update(published_at=timezone.now() - dt.timedelta(days=20))
    # Published in the portal; the admin still has to publish it in Sferum (a to-do).
    p = post(
        parents,
        director,
        "Родительское собрание",
        "Приглашаем родителей на общее собрание в актовом зале. Будет и онлайн-трансляция.",
    )
    services.submit_post(post=p, by=director)
    services.approve_post(post=p, by=admin)
    services.publish_post_now(post=p, by=admin)
    Post.objects.filter(pk=p.pk).update(published_at=timezone.now() - dt.timedelta(days=2))
    # Scheduled for tomorrow morning.
    p = post(news, admin, "Выставка «Весна»", "Приглашаем на выставку работ наших учеников.")
    services.submit_post(post=p, by=admin)
    services.approve_post(post=p, by=admin)
    services.schedule_post(post=p, by=admin, publish_at=_at(institution, 1, 9))
    # Approved, waiting for a time.
    p = post(staff, director, "Педсовет в пятницу", "Повестка: итоги первой четверти.")
    services.submit_post(post=p, by=director)
    services.approve_post(post=p, by=admin)
    # Submitted, waiting for review.
    p = post(news, teacher, "Робототехники победили в олимпиаде", "Наша команда заняла 2 место.")
    services.submit_post(post=p, by=teacher)
    # Changes requested.
    p = post(parents, teacher, "Сбор на экскурсию", "Собираем деньги на экскурсию.")
    services.submit_post(post=p, by=teacher)
    services.request_changes(
        post=p, by=admin, comment="Сборы денег объявляем только через администрацию."
    )
    # Rejected.
    p = post(news, director, "Черновой анонс", "Текст анонса.")
    services.submit_post(post=p, by=director)
    services.reject_post(post=p, by=admin, comment="Повтор: анонс уже опубликован.")
    # A draft.
    post(news, teacher, "Набор в группу «Робототехника-3»", "Черновик объявления о наборе.")

    # Events: past ones held or cancelled, future ones of every kind.
    def event(by, kind, title, days, hour, minutes=60, **extra):
        starts = _at(institution, days, hour)
        now = starts - dt.timedelta(days=1) if days <= 0 else None
        return services.create_event(
            institution=institution,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=minutes),
            by=by,
            now=now,
            **extra,
        )

    link = "https://sferum.ru/?call_link=DemoCallLink01"
    e = event(admin, "broadcast", "Трансляция отчётного концерта", -14, 17, 90, meeting_link=link)
    services.mark_event_held(
        event=e, by=admin, attendance_count=64, recording_link="https://vk.com/video-1_1"
    )
    e = event(admin, "seminar", "Вебинар «Сферум для педагога»", -7, 15, meeting_link=link)
    services.mark_event_held(event=e, by=admin, attendance_count=5)
    services.mark_attended(event=e, by=teacher)
    services.mark_attended(event=e, by=admin)
    e = event(
        teacher,
        "lesson",
        "Дистанционное занятие: программирование датчиков",
        -2,
        16,
        45,
        units=[units["Робототехника-1"]],
        meeting_link=link,
    )
    services.mark_event_held(event=e, by=teacher, attendance_count=8)
    e = event(admin, "meeting", "Совещание администрации", -3, 10, 45, meeting_link=link)
    services.cancel_event(event=e, by=admin, reason="Перенесено на следующую неделю")
    event(
        admin,
        "meeting",
        "Совещание администрации (перенос)",
        3,
        10,
        45,
        format="hybrid",
        place="Кабинет директора",
        meeting_link=link,
    )
    event(
        admin,
        "broadcast",
        "Трансляция родительского собрания",
        5,
        18,
        roles=[Role.PARENT],
        meeting_link=link,
        description="Общее собрание родителей: итоги четверти и планы.",
    )
    event(
        teacher,
        "lesson",
        "Дистанционное занятие: сборка робота",
        1,
        16,
        45,
        units=[units["Робототехника-1"]],
        meeting_link=link,
    )
    event(
        teacher,
        "lesson",
        "Гибридное занятие: соревнования",
        8,
        15,
        90,
        units=[units["Робототехника-1"], units["Робототехника-2"]],
        format="hybrid",
        place="Кабинет 12",
        roles=[Role.STUDENT, Role.PARENT],
    )
    event(admin, "seminar", "Семинар «Каналы и трансляции в Сферуме»", 10, 15, meeting_link=link)

    # Support requests.
    today = institution.local_today()
    services.create_support_request(
        institution=institution,
        subject="Не приходит код подтверждения",
        description="Родитель ученика Робототехники-1 не получает SMS с кодом при входе.",
        by=admin,
        status="resolved",
        sent_on=today - dt.timedelta(days=12),
        ticket_number="SF-104233",
        resolution="Номер был в чёрном списке оператора; поддержка сняла блокировку.",
    )
    services.create_support_request(
        institution=institution,
        subject="Класс не отображается у учителя",
        description="После перевода учителя класс «Живопись-2» не виден в его профиле.",
        by=admin,
        status="progress",
        sent_on=today - dt.timedelta(days=2),
        ticket_number="SF-105871",
    )
