"""Demo chats for `seed_demo`: most required chats exist, some are missing, some still on VK;
one MAX chat reconciled from a pasted member list, with a stranger in it and a student missing."""

import datetime as dt
import secrets

from roles.models import Membership, Person, Role, Unit, User

from . import services
from .models import Chat, ChatKind, ChatReconciliation


def _link(platform: str) -> str:
    token = secrets.token_urlsafe(12)
    return f"https://max.ru/join/{token}" if platform == "max" else f"https://vk.me/join/{token}"


RECONCILED_CHAT = "Робототехника-2: ребята"


def seed(*, institution) -> None:
    if not Chat.objects.filter(institution=institution).exists():
        _seed_chats(institution)
    _seed_reconciliation(institution)


def _seed_reconciliation(institution) -> None:
    """The MAX chat of Робототехника-2 as its teacher pasted its members screen: everyone but
    one student, and somebody who is not on the roster."""
    chat = Chat.objects.filter(institution=institution, title=RECONCILED_CHAT).first()
    if chat is None or chat.is_archived or ChatReconciliation.objects.filter(chat=chat).exists():
        return
    today = institution.local_today()
    students = list(
        Person.objects.filter(
            pk__in=Membership.objects.active(today)
            .filter(unit=chat.unit, role=Role.STUDENT)
            .values("person_id")
        ).order_by("last_name", "first_name")
    )
    lines = ["Участники 11", "Пригласить в чат"]
    if chat.owner is not None:
        lines += [f"{chat.owner.first_name} {chat.owner.last_name} (вы)", "Владелец"]
    for n, student in enumerate(students[1:]):  # the first of them is missing from the chat
        lines.append(f"{student.first_name} {student.last_name}")
        lines.append("в сети" if n % 3 == 0 else "был(а) недавно")
    lines += ["Артём Незнакомов 🙂", "был(а) в сети вчера"]
    services.reconcile_pasted(chat=chat, text="\n".join(lines), by=None)


def _seed_chats(institution) -> None:
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
