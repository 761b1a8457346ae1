"""Pages that print, through Chromium's print to PDF: the statistics on A4 with nothing cut,
a class's QR sheet of 25 personal links on at most three pages whose codes still scan at 70 dpi,
and the «Ссылка готова» page with its whole link."""

from __future__ import annotations

import datetime as dt

import pytest

from invitations.models import Invitation
from roles import services
from roles.models import PersonKind, Role, UnitKind
from sferum_portal.tokens import hash_token
from stats.models import UnitSnapshot, UsageSnapshot
from stats.services import default_day

from ..factories import make_institution, make_member, make_person, make_unit
from .printing import pdf_images, pdf_page_size_mm, pdf_pages, pdf_text, print_to_pdf, scan
from .test_scenario import log_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLASSES = 55  # more than a page of the screen's table (50)


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def statistics():
    institution = make_institution("Центр дополнительного образования «Радуга»")
    director = make_member(institution, Role.DIRECTOR).user
    day = default_day(institution)
    for n in range(30):
        UsageSnapshot.objects.create(
            institution=institution,
            day=day - dt.timedelta(days=n),
            teachers_total=40,
            teachers_joined=30 + n % 10,
            students_total=600,
            students_joined=300 + 5 * n,
            parents_total=500,
            parents_joined=200 + 3 * n,
            classes_total=CLASSES,
            classes_with_chats=20 + n % 30,
            invitations_issued=n % 7,
            invitations_used=n % 5,
            movements=n % 3,
            posts_published=n % 2,
            events_held=n % 4,
        )
    names = [f"Робототехника и программирование {n:02d}" for n in range(CLASSES)]
    for n, name in enumerate(names):
        unit = make_unit(institution, UnitKind.CLASS, name, academic_year="2026/2027")
        UnitSnapshot.objects.create(
            institution=institution,
            unit=unit,
            day=day,
            students_total=20 + n % 7,
            students_joined=10 + n % 9,
            parents_total=18,
            parents_joined=n % 18,
            teachers_total=700 + n,  # unique: the table's last column, found on the page
            chats_required=2,
            chats_present=n % 3,
        )
    return institution, director, names


def test_the_statistics_print_on_a4_landscape_with_nothing_cut(browsers, statistics, tmp_path):
    institution, director, names = statistics
    page = browsers.page("director")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, director.username)

    page.goto("/stats/")
    screen = print_to_pdf(page, tmp_path / "stats.pdf")
    width, height = pdf_page_size_mm(screen)
    assert (round(width), round(height)) == (297, 210)  # A4 landscape
    text = squeezed(pdf_text(screen))
    shown = sorted(names)[:50]  # the screen's page of the table
    assert [n for n in shown if squeezed(n) not in text] == []
    assert [n for n in range(50) if str(700 + names.index(shown[n])) not in text] == []
    assert "Скачать" not in text  # no buttons on paper

    # The printable report has every class, the charts' figures and a header.
    page.goto("/stats/print/")
    report = print_to_pdf(page, tmp_path / "report.pdf")
    text = squeezed(pdf_text(report))
    assert [n for n in names if squeezed(n) not in text] == []
    assert [n for n in range(CLASSES) if str(700 + n) not in text] == []
    assert squeezed(institution.name) in text
    assert pdf_pages(report) <= 8, pdf_pages(report)
    pdf_images(screen, dpi=50)  # kept beside the PDFs for a look on a failure
    pdf_images(report, dpi=50)


@pytest.fixture
def big_class():
    institution = make_institution("Школа № 3")
    klass = make_unit(institution, UnitKind.CLASS, "5В", academic_year="2026/2027")
    admin = make_member(institution, Role.ADMIN)
    people = []
    for n in range(25):
        person = make_person(
            institution,
            kind=PersonKind.STUDENT,
            last_name=f"Константинопольская{n:02d}",
            first_name="Александра",
            patronymic="Владимировна",
        )
        services.enrol(
            person=person, unit=klass, role=Role.STUDENT, effective_date=institution.local_today()
        )
        people.append(person)
    return institution, klass, admin.user, people


def test_a_class_of_25_prints_on_three_pages_whose_codes_scan_at_70_dpi(
    browsers, big_class, tmp_path
):
    institution, klass, admin_user, people = big_class
    page = browsers.page("admin")
    log_in(page, admin_user.username)
    page.goto(f"/invitations/{institution.pk}/bulk/?unit={klass.pk}")
    page.select_option("#id_unit", str(klass.pk))
    page.select_option("#id_role", "student")
    page.select_option("#id_valid_days", "30")
    submit(page)
    assert page.locator(".qr-card").count() == 25

    pdf = print_to_pdf(page, tmp_path / "sheet.pdf")

    assert pdf_pages(pdf) <= 3, pdf_pages(pdf)
    text = pdf_text(pdf)
    flat = squeezed(text)
    assert [p.full_name for p in people if squeezed(p.full_name) not in flat] == []
    expiry = (dt.datetime.now() + dt.timedelta(days=30)).strftime("%d.%m.%Y")
    assert flat.count(expiry) == 25
    assert flat.count("5В(2026/2027)") >= 25
    links = set()
    for image in pdf_images(pdf, dpi=70):
        links.update(scan(image))
    assert len(links) == 25, f"{len(links)} of 25 QR codes read at 70 dpi"
    hashes = {hash_token(link.rstrip("/").rsplit("/", 1)[1]) for link in links}
    invitations = Invitation.objects.filter(token_hash__in=hashes)
    assert {i.person_id for i in invitations} == {p.pk for p in people}


def test_the_link_ready_page_prints_the_whole_link(browsers, big_class, tmp_path):
    institution, klass, admin_user, _people = big_class
    page = browsers.page("admin")
    log_in(page, admin_user.username)
    page.goto(f"/invitations/{institution.pk}/new/?unit={klass.pk}&role=student")
    submit(page)
    url = page.input_value("#link")

    text = pdf_text(print_to_pdf(page, tmp_path / "link.pdf"))

    assert url in squeezed(text)
