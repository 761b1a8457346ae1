"""`/stats/region/`: every institution side by side, paged and sorted in the database."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from roles.models import Institution
from stats.models import UsageSnapshot

from ..conftest import login

REGION = reverse("stats:region")


def snapshots(count: int) -> list[Institution]:
    day = timezone.localdate() - dt.timedelta(days=1)
    institutions = Institution.objects.bulk_create(
        Institution(name=f"Школа № {n:04d}", short_name=f"Школа № {n:04d}") for n in range(count)
    )
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(
            institution=i,
            day=day,
            classes_total=0 if n % 10 == 3 else 20,  # a few without classes: no share
            classes_with_chats=n % 21,
            teachers_total=10,
            teachers_joined=n % 11,
        )
        for n, i in enumerate(institutions)
    )
    return institutions


@pytest.mark.parametrize("sort", ["", "-classes_with_chats_share", "institution"])
def test_the_region_takes_the_same_queries_for_3_and_for_120_institutions(
    db, superuser, django_assert_max_num_queries, sort
):
    client = login(superuser)
    counts = {}
    for name, count in (("small", 3), ("big", 117)):
        snapshots(count)
        client.get(REGION)  # the session is warm
        with django_assert_max_num_queries(6) as captured:
            response = client.get(f"{REGION}?sort={sort}")
        assert response.status_code == 200
        counts[name] = len(captured)
    assert counts["small"] == counts["big"]


def test_the_region_is_paged_and_sorted_with_the_missing_figures_last(db, superuser):
    snapshots(120)
    client = login(superuser)

    first = client.get(f"{REGION}?sort=-classes_with_chats_share")
    page = first.context["page"]
    assert page.paginator.count == 120
    assert len(page.object_list) == 50
    shares = [r["classes_with_chats_share"] for r in page.object_list]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == 100.0
    last = client.get(f"{REGION}?sort=-classes_with_chats_share&page=3").context["page"]
    assert [r["classes_with_chats_share"] for r in last.object_list][-12:] == [None] * 12
    ascending = client.get(f"{REGION}?sort=classes_with_chats_share").context["page"]
    assert ascending.object_list[0]["classes_with_chats_share"] == 0.0
    html = first.content.decode()
    assert "Школа №" in html and "page=2" in html
    # One cell per column: the institution and every share.
    header = html.split("<thead>")[1].split("</thead>")[0].count("<th")
    row = html.split("<tbody>")[1].split("</tr>")[0].count("<td")
    assert header == row == 1 + 7


def test_the_region_ignores_an_unknown_sort(db, superuser):
    snapshots(3)
    response = login(superuser).get(f"{REGION}?sort=-password")
    assert response.status_code == 200
    names = [r["institution_name"] for r in response.context["page"].object_list]
    assert names == sorted(names)
