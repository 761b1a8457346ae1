"""The event pages: the form keeps the teacher-only-own-classes rule, the one-button actions,
the month calendar in the institution's zone."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import timezone

from channels_app.models import Event, EventFormat, EventKind, EventStatus
from roles.models import Role

from ...conftest import login
from ...factories import make_institution, make_member
from ..helpers import client_of, event, future, page, text_of


def form_data(institution, units, kind=EventKind.LESSON):
    tz = institution.tzinfo
    starts = future(10).astimezone(tz)
    return {
        "kind": kind,
        "title": "Дистанционный урок",
        "description": "",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"),
        "format": EventFormat.ONLINE,
        "place": "",
        "host": "",
        "units": [u.pk for u in units],
        "meeting_link": "https://sferum.ru/?call_link=Abc123",
    }


def test_the_event_form_refuses_another_class_for_a_teacher(
    institution, klass, other_class, class_teacher
):
    client = login(class_teacher.user)
    url = page("event_create", institution)
    for units in ([other_class], [klass, other_class]):
        response = client.post(url, form_data(institution, units))
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            assert response.context["form"].errors
    response = client.post(url, form_data(institution, [klass], kind=EventKind.BROADCAST))
    assert response.status_code in (200, 403)
    assert not Event.objects.exists()

    # The same data for the post and the check: a minute may turn between two calls.
    data = form_data(institution, [klass])
    response = client.post(url, data)  # own class: planned
    assert response.status_code == 302
    lesson = Event.objects.get()
    assert list(lesson.audience_units.all()) == [klass]
    local = lesson.starts_at.astimezone(institution.tzinfo)
    assert local.strftime("%Y-%m-%dT%H:%M") == data["starts_at"]


def test_the_event_form_offers_a_teacher_only_their_classes(
    institution, klass, other_class, class_teacher
):
    response = login(class_teacher.user).get(page("event_create", institution))
    form = response.context["form"]
    assert list(form.fields["units"].queryset) == [klass]
    assert [value for value, _label in form.fields["kind"].choices] == [EventKind.LESSON]


def test_the_cancel_page_keeps_the_event_when_no_reason_is_given(
    institution, admin_user, admin_client
):
    planned = event(institution, admin_user, future(5))
    response = admin_client.post(page("event_action", institution, planned.pk, "cancel"), {})
    assert response.status_code == 302
    assert Event.objects.get(pk=planned.pk).status == EventStatus.PLANNED
    response = admin_client.post(
        page("event_action", institution, planned.pk, "cancel"), {"reason": "Перенос"}
    )
    assert Event.objects.get(pk=planned.pk).status == EventStatus.CANCELLED
    assert timezone.now() >= Event.objects.get(pk=planned.pk).closed_at


def day_of(text: str, title: str) -> int:
    """The day number of the calendar cell that shows `title`."""
    cells = text.split('<td class="calendar-day')[1:]
    found = [c for c in cells if title in c]
    assert len(found) == 1, f"{title} in {len(found)} cells"
    return int(re.search(r'fw-semibold">(\d+)</div>', found[0]).group(1))


def test_the_calendar_shows_an_event_on_its_local_day_in_vladivostok(db):
    institution = make_institution(timezone="Asia/Vladivostok")
    admin = make_member(institution, Role.ADMIN).user
    starts = dt.datetime(2031, 3, 10, 8, 0, tzinfo=ZoneInfo("Asia/Vladivostok"))
    assert starts.astimezone(dt.UTC).day == 9  # 22:00 UTC the day before
    event(institution, admin, starts, title="Утренняя трансляция", now=future(0))
    late = dt.datetime(2031, 3, 31, 23, 30, tzinfo=ZoneInfo("Asia/Vladivostok"))
    event(institution, admin, late, title="Поздняя трансляция", now=future(0))

    response = client_of(admin).get(page("calendar", institution) + "?month=2031-03")
    assert response.status_code == 200
    text = text_of(response)
    assert day_of(text, "Утренняя трансляция") == 10
    assert "08:00 Утренняя трансляция" in text
    assert day_of(text, "Поздняя трансляция") == 31
    april = text_of(client_of(admin).get(page("calendar", institution) + "?month=2031-04"))
    assert "Поздняя трансляция" not in april or day_of(april, "Поздняя трансляция") == 31
