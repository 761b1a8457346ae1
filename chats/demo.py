"""Demo chats for `seed_demo`: most required chats exist, some are missing, some still on VK."""

import datetime as dt
import secrets

from roles.models import Person, Unit, User

from . import services
from .models import Chat, ChatKind


def _link(platform: str) -> str:
    token = secrets.token_urlsafe(12)
    return f"https://max.ru/join/{token}" if platform == "max" else f"https://vk.me/join/{token}"


def seed(*, institution) -> None:
    if Chat.objects.filter(institution=institution).exists():
        return
    director = User.objects.get(username="director")
    admin = User.objects.get(username="admin")
    teacher = User.objects.get(username="teacher")
    units = {u.name: u for u in Unit.objects.filter(institution=institution)}

    def register(by, kind, title, platform, unit=None, members=None):
        services.register_chat(
            institution=institution,
            kind=kind,
            unit=units.get(unit) if unit else None,
            title=title,
            platform=platform,
            link=_link(platform),
            member_count=members,
            by=by,
        )

    register(director, ChatKind.DIRECTOR_DEPUTIES, "Администрация ЦДОД", "max", members=3)
    register(director, ChatKind.DIRECTOR_TEACHERS, "Педагоги ЦДОД", "vk", members=8)
    register(admin, ChatKind.STAFF_ROOM, "Учительская ЦДОД", "max", members=8)
    register(
        teacher, ChatKind.CLASS_STUDENTS, "Робототехника-1: ребята", "max", "Робототехника-1", 9
    )
    register(
        teacher, ChatKind.CLASS_PARENTS, "Робототехника-1: родители", "vk", "Робототехника-1", 7
    )
    register(
        teacher, ChatKind.CLASS_STUDENTS, "Робототехника-2: ребята", "max", "Робототехника-2", 11
    )
    register(
        teacher, ChatKind.DEPARTMENT_TEACHERS, "Технический отдел", "vk", "Технический отдел", 2
    )
    register(admin, ChatKind.CLASS_STUDENTS, "Живопись-1: ребята", "max", "Живопись-1", 7)
    register(admin, ChatKind.OTHER, "Выставка «Весна» — оргкомитет", "max", members=4)
    # Other teachers' chats: registered by the admin in their name.
    lebedeva = Person.objects.get(institution=institution, external_id="DEMO-T03")
    services.register_chat(
        institution=institution,
        kind=ChatKind.CLASS_PARENTS,
        unit=units["Живопись-2"],
        title="Живопись-2: родители",
        platform="vk",
        link=_link("vk"),
        owner=lebedeva,
        member_count=9,
        by=admin,
    )
    # Registered over the last weeks, for the statistics' history.
    for index, chat in enumerate(Chat.objects.filter(institution=institution).order_by("pk")):
        Chat.objects.filter(pk=chat.pk).update(
            created_at=chat.created_at - dt.timedelta(days=3 * index + 2)
        )
    # Gaps left on purpose: parents of Живопись-1 and Робототехника-2, Живопись-2's students,
    # Шахматы-1, and the art and sports departments' chats.
