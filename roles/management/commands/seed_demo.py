"""A realistic demo institution; running it again changes nothing but the demo passwords."""

import datetime as dt
import random
import zoneinfo
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

from roles import permissions, services
from roles.models import (
    Institution,
    Membership,
    Person,
    PersonKind,
    Role,
    Unit,
    UnitKind,
    User,
)

DEMO_NAME = (
    "Муниципальное образовательное учреждение дополнительного образования "
    "«Центр детского и дополнительного образования»"
)
DEMO_SHORT = "МОУДО «ЦДОД»"

DEPARTMENTS = {
    "Художественный отдел": ["Живопись-1", "Живопись-2", "Хореография-1"],
    "Технический отдел": ["Робототехника-1", "Робототехника-2"],
    "Спортивный отдел": ["Шахматы-1"],
}

# username -> (last, first, patronymic, role in the staff room)
DEMO_USERS = {
    "director": ("Воронцова", "Ирина", "Николаевна", Role.DIRECTOR),
    "admin": ("Смирнова", "Ольга", "Петровна", Role.TEACHER),
    "teacher": ("Кузнецов", "Андрей", "Игоревич", Role.TEACHER),
}
OTHER_STAFF = [
    ("Белова", "Марина", "Сергеевна", Role.DEPUTY),
    ("Орлов", "Дмитрий", "Алексеевич", Role.TEACHER),
    ("Лебедева", "Светлана", "Викторовна", Role.TEACHER),
    ("Ковалёв", "Николай", "Павлович", Role.TEACHER),
    ("Зайцева", "Татьяна", "Олеговна", Role.TEACHER),
]
CLASS_TEACHERS = {
    "Живопись-1": "admin",
    "Живопись-2": "Лебедева",
    "Хореография-1": "Зайцева",
    "Робототехника-1": "teacher",
    "Робототехника-2": "teacher",
    "Шахматы-1": "Ковалёв",
}
LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Попов",
    "Васильев",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
]
FIRST_M = ["Александр", "Максим", "Иван", "Артём", "Михаил", "Даниил", "Егор", "Матвей"]
FIRST_F = ["Анна", "Мария", "София", "Алиса", "Виктория", "Полина", "Ева", "Варвара"]
PATR_M = ["Сергеевич", "Андреевич", "Алексеевич", "Дмитриевич"]
PATR_F = ["Сергеевна", "Андреевна", "Алексеевна", "Дмитриевна"]


class Command(BaseCommand):
    help = "Creates the demo institution (idempotent) and prints the demo logins."

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        institution = Institution.objects.filter(short_name=DEMO_SHORT).first()
        if institution is None:
            with transaction.atomic():
                institution = self._create(password)
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo institution %(name)s created (id %(id)d).")
                    % {"name": institution, "id": institution.pk}
                )
            )
        else:
            for username, (last, first, _patronymic, _role) in DEMO_USERS.items():
                user = self._demo_user(username, password, first, last)
                # A demo user deleted meanwhile is recreated and linked to its person again.
                Person.objects.filter(
                    institution=institution, external_id=f"DEMO-{username}", user__isnull=True
                ).update(user=user)
            self.stdout.write(
                _("Demo institution %(name)s (id %(id)d) already exists.")
                % {"name": institution, "id": institution.pk}
            )
        # Every other app adds its own demo data (invitations, chats, ...) from its `demo` module,
        # found by name so that `roles` imports none of them; each step is idempotent.
        for config in apps.get_app_configs():
            if config.name == "roles" or not module_has_submodule(config.module, "demo"):
                continue
            with transaction.atomic():
                import_module(f"{config.name}.demo").seed(institution=institution)
        self.stdout.write(_("Demo logins (login / password):"))
        for username in DEMO_USERS:
            self.stdout.write(f"  {username} / {password}")

    def _demo_user(self, username: str, password: str, first: str, last: str) -> User:
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if user.is_superuser:
            # Somebody's own superuser of that name: never reset its password.
            self.stderr.write(
                _("The user %(name)s is a superuser; its password was left unchanged.")
                % {"name": username}
            )
            return user
        user.set_password(password)
        user.is_active = True
        user.save()
        return user

    def _create(self, password: str) -> Institution:
        rng = random.Random(2026)
        # The demo's history starts 90 days ago; its orders are dated the day before.
        moscow_today = timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Moscow")).date()
        order_day = moscow_today - dt.timedelta(days=91)
        institution = services.create_institution(
            name=DEMO_NAME,
            short_name=DEMO_SHORT,
            timezone="Europe/Moscow",
            address="г. Энск, ул. Школьная, д. 1",
            usage_order_number="45-од",
            usage_order_date=order_day,
        )
        today = institution.local_today()
        start = today - dt.timedelta(days=90)
        staff_room = services.staff_room(institution)
        units = {}
        for department, classes in DEPARTMENTS.items():
            dep = services.create_unit(
                institution=institution, kind=UnitKind.DEPARTMENT, name=department
            )
            units[department] = dep
            for name in classes:
                units[name] = services.create_unit(
                    institution=institution, kind=UnitKind.CLASS, name=name, parent=dep
                )

        people = {}
        for username, (last, first, patronymic, role) in DEMO_USERS.items():
            user = self._demo_user(username, password, first, last)
            person = services.create_person(
                institution=institution,
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                kind=PersonKind.STAFF,
                email=user.email,
                user=user,
                external_id=f"DEMO-{username}",
            )
            services.enrol(person=person, unit=staff_room, role=role, effective_date=start)
            people[username] = person
        for index, (last, first, patronymic, role) in enumerate(OTHER_STAFF, start=1):
            person = services.create_person(
                institution=institution,
                last_name=last,
                first_name=first,
                patronymic=patronymic,
                kind=PersonKind.STAFF,
                external_id=f"DEMO-T{index:02d}",
            )
            services.enrol(person=person, unit=staff_room, role=role, effective_date=start)
            people[last] = person

        director = people["director"].user
        admin_user = people["admin"].user
        services.appoint_admin(
            institution=institution,
            person=people["admin"],
            order_number="46-од",
            order_date=order_day,
            by=director,
            start_date=start,
            order_file=ContentFile(demo_order_pdf("46-od", order_day), name="prikaz-46-od.pdf"),
        )
        # The admin's own status is the director's to confirm; the demo tells nobody by e-mail.
        for key in ("admin", "teacher", "Лебедева", "Ковалёв"):
            services.decide_teacher_verification(
                person=people[key],
                by=director if key == "admin" else admin_user,
                approve=True,
                notify=False,
            )
        # Орлов and Зайцева still wait for the verification of their «учитель» status.

        for department, members in (
            ("Художественный отдел", ["admin", "Лебедева", "Зайцева"]),
            ("Технический отдел", ["teacher", "Орлов"]),
            ("Спортивный отдел", ["Ковалёв"]),
        ):
            for key in members:
                services.enrol(
                    person=people[key],
                    unit=units[department],
                    role=Role.TEACHER,
                    effective_date=start,
                )
        for class_name, key in CLASS_TEACHERS.items():
            services.enrol(
                person=people[key], unit=units[class_name], role=Role.TEACHER, effective_date=start
            )

        number = 0
        students = []
        for class_name in CLASS_TEACHERS:
            for _i in range(rng.randint(8, 12)):
                number += 1
                female = rng.random() < 0.5
                last = rng.choice(LAST) + ("а" if female else "")
                student = services.create_person(
                    institution=institution,
                    last_name=last,
                    first_name=rng.choice(FIRST_F if female else FIRST_M),
                    patronymic=rng.choice(PATR_F if female else PATR_M),
                    kind=PersonKind.STUDENT,
                    external_id=f"DEMO-S{number:03d}",
                )
                services.enrol(
                    person=student, unit=units[class_name], role=Role.STUDENT, effective_date=start
                )
                students.append((student, units[class_name], last))
        for index, (student, unit, last) in enumerate(students, start=1):
            if index % 3 == 0:
                continue  # not every family is on the roster
            parent_last = last if last.endswith("а") else last + "а"
            parent = services.create_person(
                institution=institution,
                last_name=parent_last,
                first_name=rng.choice(FIRST_F),
                patronymic=rng.choice(PATR_F),
                kind=PersonKind.PARENT,
                external_id=f"DEMO-P{index:03d}",
            )
            services.link_guardian(parent=parent, student=student)
            services.enrol(person=parent, unit=unit, role=Role.PARENT, effective_date=start)

        # About two thirds have joined Sferum so far; every teacher has.
        memberships = list(Membership.objects.filter(unit__institution=institution))
        joined = [m for m in memberships if m.role not in permissions.FAMILY or rng.random() < 0.65]
        # They joined over the last two months, so that the statistics show a history.
        now = timezone.now()
        for weeks_ago in range(9):
            batch = joined[weeks_ago::9]
            services.mark_joined(memberships=batch, at=now - dt.timedelta(weeks=weeks_ago))
        Unit.objects.filter(institution=institution).update(created_at=now - dt.timedelta(days=90))

        # Some movement, so that the to-do list shows what it is for.
        transfer_student = next(
            s
            for s, unit, _ in students
            if unit.name == "Живопись-1"
            and Membership.objects.filter(person=s, joined_at__isnull=False).exists()
        )
        services.transfer(
            person=transfer_student,
            from_unit=units["Живопись-1"],
            to_unit=units["Живопись-2"],
            effective_date=today - dt.timedelta(days=3),
            order_number="112-у",
            by=admin_user,
        )
        leaver = next(
            s
            for s, unit, _ in students
            if unit.name == "Шахматы-1"
            and Membership.objects.filter(person=s, joined_at__isnull=False).exists()
        )
        services.leave(
            person=leaver,
            effective_date=today - dt.timedelta(days=1),
            order_number="115-у",
            note="переезд",
            by=admin_user,
        )
        return institution


def demo_order_pdf(number: str, day: dt.date) -> bytes:
    """A one-page PDF standing for the demo's order on the administrator's appointment."""
    text = f"Prikaz N {number} ot {day:%d.%m.%Y} o naznachenii administratora Sferum"
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % index + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
