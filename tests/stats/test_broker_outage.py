""" "Recalculate now" pressed while the broker is down: the figures are recalculated anyway."""

from django.urls import reverse

from stats import services
from stats.models import UsageSnapshot

from ..broker import broker_unreachable
from ..conftest import login
from ..factories import make_institution, make_member
from .helpers import small_school


def test_recalculate_now_with_the_broker_down_recalculates_in_the_request(
    db, django_capture_on_commit_callbacks
):
    inst = make_institution("Школа без брокера")
    small_school(inst, services.default_day(inst))
    client = login(make_member(inst, "admin").user)
    day = services.default_day(inst)

    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stats:rollup"))

    assert response.status_code == 302
    assert UsageSnapshot.objects.filter(institution=inst, day=day).exists()
    assert UsageSnapshot.objects.filter(institution=inst, day=inst.local_today()).exists()
    assert not services.rollup_in_progress(institution=inst)
