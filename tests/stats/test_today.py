"""Statistics that show today (regulation 2.1.16, 2.2.7; issue 13, item 6): «Пересчитать сейчас»
leads to the figures of today so far, marked as such, beside the last complete day's; the class
table lists the classes created today."""

import datetime as dt
import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from invitations.services import create_invitation
from roles.models import Role
from stats import services
from stats.models import UnitSnapshot, UsageSnapshot

from ..conftest import login
from ..factories import make_institution, make_member
from .helpers import LONG_AGO, join, klass, member

OVERVIEW = reverse("stats:overview")
ROLLUP = reverse("stats:rollup")


@pytest.fixture
def school(db):
    """Eight students of 5А, three of whom joined long ago; yesterday is rolled up."""
    institution = make_institution("Школа, где сегодня присоединились")
    unit = klass(institution, "5А")
    students = [member(unit, Role.STUDENT) for _ in range(8)]
    for person in students[:3]:
        join(person, unit, LONG_AGO)
    services.rollup(institution=institution)
    director = make_member(institution, Role.DIRECTOR).user
    return institution, unit, students, director


def recalculate(client, django_capture_on_commit_callbacks, institution):
    """The button, as the director presses it; the job runs where the test settings run it."""
    with django_capture_on_commit_callbacks(execute=True):
        pressed = client.post(ROLLUP)
    assert pressed.status_code == 302 and pressed["Location"] == OVERVIEW
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # a real worker elsewhere: do what it does
        services.rollup_now(institution=institution)
    return client.get(OVERVIEW)


def test_five_who_joined_today_are_seen_after_recalculate_now(
    school, django_capture_on_commit_callbacks
):
    institution, unit, students, director = school
    for person in students[3:]:
        join(person, unit, timezone.now())
    client = login(director)
    before = client.get(OVERVIEW)
    assert before.context["today"] is None  # nothing of today until it is recalculated

    response = recalculate(client, django_capture_on_commit_callbacks, institution)

    today = response.context["today"]
    assert today is not None and today["day"] == institution.local_today()
    assert today["joined_since"] == 5
    assert today["joined"] == 8
    # The last complete day's figures stay beside them.
    latest = response.context["latest"]
    assert latest.day == services.default_day(institution)
    assert latest.students_joined == 3
    share = next(k for k in response.context["kpis"] if k.key == "students_joined_share")
    assert (share.value, share.today, share.change_today) == (37.5, 100.0, 62.5)
    text = html.unescape(response.content.decode())
    assert "не закончился" in text  # marked as a day not over
    assert "сегодня на данный момент" in text
    assert "из них 5" in text
    # Today is never a point of the charts (they end with the last complete day).
    assert all(row.day <= latest.day for row in response.context["period"])


def test_the_class_table_lists_a_class_created_today(school, django_capture_on_commit_callbacks):
    institution, _unit, _students, director = school
    new = klass(institution, "5Б", created=timezone.now())
    member(new, Role.STUDENT)
    client = login(director)

    # Before the recalculation: listed, marked new, without figures yet.
    rows = {r["unit"].name: r for r in client.get(OVERVIEW).context["classes"]}
    assert set(rows) == {"5А", "5Б"}
    assert rows["5Б"]["new"] and rows["5Б"]["students_total"] is None
    assert not rows["5А"]["new"]
    assert "новый сегодня" in client.get(OVERVIEW).content.decode()

    response = recalculate(client, django_capture_on_commit_callbacks, institution)

    rows = {r["unit"].name: r for r in response.context["classes"]}
    assert rows["5Б"]["new"] and rows["5Б"]["students_total"] == 1
    # 5А keeps the last complete day's figures.
    assert rows["5А"]["students_joined"] == 3
    assert UnitSnapshot.objects.filter(unit=new, day=institution.local_today()).exists()


def test_an_archived_class_created_today_is_not_listed(school):
    institution, _unit, _students, director = school
    gone = klass(institution, "5В", created=timezone.now(), archived=timezone.now())
    names = [r["unit"].name for r in login(director).get(OVERVIEW).context["classes"]]
    assert gone.name not in names


def test_today_so_far_counts_up_to_now_with_the_same_rollup(school):
    """An invitation that expires tonight has not expired yet at noon: today's partial figures
    are the rollup's own, cut at this moment."""
    institution, unit, _students, director = school
    later = timezone.now() + dt.timedelta(minutes=5)
    tonight = min(
        later,
        dt.datetime.combine(
            institution.local_today() + dt.timedelta(days=1), dt.time.min, institution.tzinfo
        )
        - dt.timedelta(seconds=1),
    )
    invitation, _token = create_invitation(
        unit=unit, role=Role.STUDENT, created_by=director, expires_at=tonight
    )
    services.rollup(day=institution.local_today(), institution=institution)
    today = UsageSnapshot.objects.get(institution=institution, day=institution.local_today())
    assert today.invitations_issued == 1
    assert today.invitations_expired == (1 if invitation.expires_at <= timezone.now() else 0)
    assert today.computed_at <= timezone.now()
