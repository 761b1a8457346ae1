"""The sample files of the upload page (static/samples/) imported into the demo of `seed_demo`:
they add a few people, record nobody as leaving and duplicate nobody (the README's `admin` and
`teacher` above all), through the web's path as through the command."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from roles import services
from roles.models import Institution, Movement, Person, PersonKind, Role, TodoItem
from roles.roster import decode

from ..roster_helpers import open_units

SAMPLES = Path(settings.BASE_DIR) / "static" / "samples"
STUDENTS, STAFF = SAMPLES / "roster_students.csv", SAMPLES / "roster_staff.xlsx"


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Institution.objects.get()


def people_named(institution) -> dict[tuple, int]:
    counts: dict[tuple, int] = {}
    for p in Person.objects.filter(institution=institution):
        key = (p.kind, p.last_name.replace("ё", "е"), p.first_name, p.patronymic)
        counts[key] = counts.get(key, 0) + 1
    return counts


def through_the_web_path(institution, path: Path, kind: str):
    """What the upload page and its jobs do, with the columns as proposed."""
    roster_import = services.upload_roster(
        institution=institution, data=path.read_bytes(), filename=path.name, by=None
    )
    services.read_roster_upload(import_id=roster_import.pk)
    roster_import.refresh_from_db()
    services.choose_roster_mapping(
        roster_import=roster_import,
        mapping=roster_import.mapping,
        kind=kind,
        complete=False,
        by=None,
    )
    previewed = services.plan_roster_upload(import_id=roster_import.pk)
    assert previewed.status == "preview", previewed.errors
    services.start_roster_import(roster_import=previewed, by=None)
    return services.run_roster_import(import_id=previewed.pk)


def test_the_samples_are_files_as_exported():
    text, encoding = decode(STUDENTS.read_bytes())
    assert encoding == "Windows-1251"
    assert text.startswith("Список обучающихся")
    assert STAFF.read_bytes()[:2] == b"PK"


def test_the_samples_in_the_demo_add_people_and_nobody_leaves_or_is_duplicated(demo):
    before = people_named(demo)
    admin = Person.objects.get(user__username="admin")
    teacher = Person.objects.get(user__username="teacher")
    teacher_units = open_units(teacher)
    left = Person.objects.filter(left_on__isnull=False).count()
    todos = TodoItem.objects.count()

    staff = through_the_web_path(demo, STAFF, PersonKind.STAFF)
    students = through_the_web_path(demo, STUDENTS, PersonKind.STUDENT)

    assert (staff.summary["created"], staff.summary["changed"], staff.summary["ended"]) == (1, 0, 0)
    # Eight children (one of them in two groups), six parents (one the mother of two).
    assert (students.summary["created"], students.summary["ended"]) == (14, 0)
    assert students.summary["ignored"] == ["№ п/п", "Год обучения", "Педагог"]
    after = people_named(demo)
    assert [key for key, n in after.items() if n > before.get(key, 0) and before.get(key)] == []
    assert all(n == 1 for key, n in after.items() if key not in before)
    assert Person.objects.filter(user__username="admin").get() == admin
    assert Person.objects.filter(last_name="Кузнецов", first_name="Андрей").count() == 1
    assert open_units(teacher) == teacher_units
    assert Person.objects.filter(left_on__isnull=False).count() == left
    assert TodoItem.objects.count() == todos
    assert not Movement.objects.filter(kind="leave", note__icontains="import").exists()
    krylov = Person.objects.get(last_name="Крылов")
    assert open_units(krylov) == {("Робототехника-1", Role.STUDENT), ("Шахматы-1", Role.STUDENT)}
    assert Person.objects.get(first_name="Наталья", last_name="Гусева").children.count() == 2


def test_the_command_imports_the_samples_into_the_demo(demo):
    left = Person.objects.filter(left_on__isnull=False).count()
    out = io.StringIO()

    call_command("import_roster", str(STAFF), institution=demo.pk, kind="staff", stdout=out)
    call_command("import_roster", str(STUDENTS), institution=demo.pk, kind="student", stdout=out)

    assert "«Педагог»" in out.getvalue()  # the ignored columns are named
    assert Person.objects.filter(left_on__isnull=False).count() == left
    assert Person.objects.filter(last_name="Смирнова", first_name="Ольга").count() == 1
