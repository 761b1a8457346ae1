"""Two institutions, A and B, built alike: every kind of object a URL can name, in each.

Primary keys are spread so that no two rows of the data set share an id, whatever their table:
an id of B's then can never name one of A's objects by accident, and a URL parameter's kind can
be found by trying the ids (see test_url_walk.discover).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, models
from django.utils import timezone

from channels_app import services as channel_services
from channels_app.models import EventKind
from chats import services as chat_services
from chats.models import BotChat, ChatKind, ChatMember
from invitations import services as invitation_services
from roles import services
from roles.models import (
    AdminAppointment,
    Institution,
    Membership,
    PersonKind,
    Role,
    TodoKind,
    UnitKind,
)

from ..factories import UserFactory, make_institution, make_member, make_person, make_unit

CHAT_LINK = "https://vk.me/join/AbCdEf123456"
APPS = ("roles", "invitations", "chats", "stats", "channels_app")


def spread_ids(step: int = 100_000) -> None:
    """Start every table's ids in its own range (the tables are empty in a test database)."""
    tables = sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.app_label in APPS and isinstance(model._meta.pk, models.AutoField)
        ),
        key=lambda model: model._meta.label,
    )
    with connection.cursor() as cursor:
        for n, model in enumerate(tables, start=1):
            table, start = model._meta.db_table, n * step
            if connection.vendor == "sqlite":
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start]
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    [table, model._meta.pk.column, start],
                )
            else:  # pragma: no cover - the project runs on these two
                raise NotImplementedError(connection.vendor)


@dataclass
class Side:
    """One institution's users by role and its objects by name (the same names in A and B)."""

    institution: Institution
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


def build_side(name: str) -> Side:
    institution = make_institution(f"Учреждение {name}")
    klass = make_unit(institution, UnitKind.CLASS, f"5{name}", academic_year="2026/2027")
    department = make_unit(institution, UnitKind.DEPARTMENT, f"Отдел {name}")
    admin = make_member(institution, Role.ADMIN)
    director = make_member(institution, Role.DIRECTOR)
    deputy = make_member(institution, Role.DEPUTY)
    teacher = make_member(institution, Role.TEACHER, klass, verified=True)
    student = make_member(institution, Role.STUDENT, klass)
    parent = make_member(institution, Role.PARENT, klass)
    pending_teacher = make_member(institution, Role.TEACHER, klass)
    newcomer = make_person(institution, kind=PersonKind.STUDENT, last_name="Новиков")
    # A student who joined without a password, with a sign-in link issued for them.
    passwordless = make_person(
        institution,
        kind=PersonKind.STUDENT,
        last_name="Беспарольная",
        user=invitation_services.passwordless_user(first_name="Оля", last_name="Беспарольная"),
    )
    signin_link, _signin_token = invitation_services.issue_signin_link(
        person=passwordless, by=admin.user
    )
    # A namesake of the student (a likely duplicate for the merge pages).
    namesake = make_person(
        institution,
        kind=PersonKind.STUDENT,
        last_name=student.last_name,
        first_name=student.first_name,
    )
    services.update_institution(
        institution=institution,
        by=None,
        usage_order_file=ContentFile(b"%PDF-1.4 order", name=f"order-{name}.pdf"),
    )
    invitation, token = invitation_services.create_invitation(
        unit=klass, role=Role.STUDENT, created_by=admin.user, max_uses=5
    )
    _class_link, class_token = invitation_services.create_invitation(
        unit=klass, role=Role.PARENT, created_by=admin.user, max_uses=None
    )
    _guest, join_request = invitation_services.request_as_guest(
        token=class_token,
        user=None,
        last_name="Орлова",
        first_name="Мария",
        child_name="Орлов Ваня",
    )
    todo = services.create_todo(
        institution=institution, kind=TodoKind.OTHER, title="Проверить чат", unit=klass
    )
    roster_import = services.preview_roster_import(
        institution=institution,
        data=b"external_id,last_name,first_name,kind\n",
        filename="roster.csv",
        by=admin.user,
    )
    chat = chat_services.register_chat(
        institution=institution,
        kind=ChatKind.CLASS_STUDENTS,
        unit=klass,
        title=f"5{name}: ученики",
        platform="vk",
        link=CHAT_LINK,
        by=teacher.user,
    )
    # Its members reconciled from a pasted list (a stranger to decide on), and a chat the MAX
    # bot sees.
    chat_services.reconcile_pasted(chat=chat, text=f"Гость {name}\n", by=None)
    chat_member = ChatMember.objects.get(chat=chat, state="unknown")
    bot_chat = BotChat.objects.create(
        institution=institution, max_chat_id=-7_000_000 - ord(name), title=f"MAX {name}"
    )
    appointment = AdminAppointment.objects.get(person=admin)
    appointment.order_file.save(f"prikaz-{name}.pdf", ContentFile(b"%PDF-1.4 prikaz"), save=True)
    channel = channel_services.create_channel(
        institution=institution, name=f"Новости {name}", by=admin.user
    )
    post = channel_services.create_post(
        channel=channel, title="Концерт", body="В субботу.", by=director.user
    )
    channel_services.submit_post(post=post, by=director.user)
    author = channel_services.allow_author(institution=institution, person=teacher, by=admin.user)
    starts = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    event = channel_services.create_event(
        institution=institution,
        kind=EventKind.BROADCAST,
        title="Трансляция",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        by=admin.user,
    )
    support = channel_services.create_support_request(
        institution=institution, subject="Не приходит код", description="Описание.", by=admin.user
    )
    side = Side(institution=institution)
    side.users = {
        "director": director.user,
        "deputy": deputy.user,
        "admin": admin.user,
        "teacher": teacher.user,
        "student": student.user,
        "parent": parent.user,
    }
    # The order matters: the first object of a model that a URL accepts is the one walked.
    side.objects = {
        "class": klass,
        "department": department,
        "student": student,
        "pending_teacher": pending_teacher,
        "teacher": teacher,
        "parent": parent,
        "newcomer": newcomer,
        "namesake": namesake,
        "signin_link": signin_link,
        "student_membership": Membership.objects.get(person=student),
        "appointment": appointment,
        "invitation": invitation,
        "join_request": join_request,
        "todo": todo,
        "roster_import": roster_import,
        "chat": chat,
        "chat_member": chat_member,
        "bot_chat": bot_chat,
        "channel": channel,
        "post": post,
        "author": author,
        "event": event,
        "support": support,
        "admin_user": admin.user,
    }
    side.tokens = {
        "personal": token,
        "class": class_token,
        "feed": channel_services.issue_feed_token(user=director.user),
    }
    return side


@dataclass
class World:
    a: Side
    b: Side
    no_role: object
    b_staff: object

    def user(self, role: str):
        if role == "anonymous":
            return None
        if role == "no_role":
            return self.no_role
        if role == "b_staff":
            return self.b_staff
        return self.a.users[role]

    def home(self, role: str) -> Institution | None:
        """The one institution where the user has a role (every walked user has at most one)."""
        if role in ("anonymous", "no_role"):
            return None
        if role == "b_staff":
            return self.b.institution
        return self.a.institution


def build_world() -> World:
    spread_ids()
    a, b = build_side("А"), build_side("Б")
    return World(a=a, b=b, no_role=UserFactory(), b_staff=b.users["admin"])


ROLES = [
    "director", "deputy", "admin", "teacher", "student", "parent", "no_role", "anonymous",
    "b_staff",
]  # fmt: skip
