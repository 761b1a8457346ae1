"""The public landing page `/invite/<token>/`, as the people who open a link use it."""

import io
import logging
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from invitations import services
from invitations.models import Invitation, JoinRequest, JoinRequestStatus, Status
from roles import services as roles_services
from roles.models import Membership, Person, Role, UnitKind, User
from sferum_portal.logging import RedactInviteTokens

from ...conftest import login
from ...factories import PASSWORD, UserFactory, make_institution, make_member, make_unit
from ..helpers import h1, issue, landing, make_expired, roster_member, text_of


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


# --- every status through HTTP -----------------------------------------------------------------


def test_an_active_link_shows_the_institution_unit_and_role(institution, klass, admin_user, client):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)

    response = client.get(landing(token))

    assert response.status_code == 200
    html = text_of(response)
    assert institution.name in html
    assert "3А" in html
    assert "«учитель»" in html  # the role, in Russian


def test_a_student_link_names_the_role_in_russian(klass, admin_user, client):
    student = roster_member(klass, Role.STUDENT, last_name="Орлова", first_name="Вера")
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=student)

    response = client.get(landing(token))

    assert response.status_code == 200
    assert "«обучающийся»" in text_of(response)
    assert "Орлова Вера" in text_of(response)


def _used_up(invitation, token):
    services.accept_invitation(token=token, user=UserFactory())


def _expired(invitation, token):
    make_expired(invitation)


def _revoked(invitation, token):
    services.revoke_invitation(invitation=invitation, by=invitation.created_by)


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [(_used_up, Status.USED_UP), (_expired, Status.EXPIRED), (_revoked, Status.REVOKED)],
    ids=["used_up", "expired", "revoked"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_that_no_longer_works_is_gone_with_its_reason(
    klass, admin_user, client, spoil, reason, method
):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    spoil(invitation, token)
    users_before = User.objects.count()

    if method == "get":
        response = client.get(landing(token))
    else:
        response = client.post(
            landing(token),
            {
                "action": "signup",
                "signup-last_name": "Смирнова",
                "signup-first_name": "Ольга",
                "signup-email": "o@example.org",
                "signup-username": "smirnova",
                "signup-password1": "Kx9-long-pass",
                "signup-password2": "Kx9-long-pass",
            },
        )

    assert response.status_code == 410
    assert response.context["reason"] == reason
    assert response.context["invitation"] == invitation
    assert User.objects.count() == users_before
    # Whom to ask: the institution's administrators are named.
    assert admin_user.people.get().short_name in text_of(response)


def test_each_reason_has_its_own_heading(klass, admin_user, client):
    headings = {}
    for spoil in (_used_up, _expired, _revoked):
        invitation, token = issue(klass, Role.TEACHER, admin_user)
        spoil(invitation, token)
        headings[spoil.__name__] = h1(client.get(landing(token)))
    headings["unknown"] = h1(client.get(landing(services.new_token())))

    assert all(headings.values())
    assert len(set(headings.values())) == 4
    # In Russian, with the reason in the words.
    assert "использована" in headings["_used_up"]
    assert "истёк" in headings["_expired"]
    assert "отозвана" in headings["_revoked"]
    assert "нет" in headings["unknown"]


def test_the_expired_page_gives_the_date_in_the_institutions_zone(db, client):
    institution = make_institution(timezone="Asia/Vladivostok")  # Moscow + 7 hours
    admin = make_member(institution, Role.ADMIN).user
    invitation, token = issue(make_unit(institution, UnitKind.CLASS), Role.TEACHER, admin)
    make_expired(invitation, minutes=60 * 24 * 3)

    response = client.get(landing(token))

    assert response.status_code == 410
    with translation.override("ru"):
        local = date_format(
            timezone.localtime(invitation.expires_at, institution.tzinfo), "DATETIME_FORMAT"
        )
        moscow = date_format(
            timezone.localtime(invitation.expires_at, ZoneInfo("Europe/Moscow")), "DATETIME_FORMAT"
        )
    assert local != moscow
    assert local in text_of(response)


def test_the_landing_leaves_no_time_zone_behind_for_the_next_request(db, client, settings):
    institution = make_institution(timezone="Asia/Vladivostok")
    admin = make_member(institution, Role.ADMIN).user
    _invitation, token = issue(make_unit(institution, UnitKind.CLASS), Role.TEACHER, admin)
    timezone.deactivate()

    assert client.get(landing(token)).status_code == 200

    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_an_unknown_token_is_not_found(db, client):
    response = client.get(landing(services.new_token()))
    assert response.status_code == 404
    assert response.context["reason"] == "unknown"
    assert response.context["invitation"] is None


def test_a_forged_token_is_not_found_even_if_it_is_a_stored_hash(klass, admin_user, client):
    invitation, _token = issue(klass, Role.TEACHER, admin_user)
    assert client.get(landing(invitation.token_hash)).status_code == 404


def test_the_landing_pages_speak_russian(klass, admin_user, client):
    _invitation, active = issue(klass, Role.TEACHER, admin_user)
    gone, revoked = issue(klass, Role.TEACHER, admin_user)
    services.revoke_invitation(invitation=gone, by=admin_user)
    pages = [
        client.get(landing(active)),
        client.get(landing(revoked)),
        client.get(landing(services.new_token())),
    ]
    with override_settings(INVITE_RATE_LIMIT_PER_MINUTE=0):
        pages.append(client.get(landing(active)))
    assert [p.status_code for p in pages] == [200, 410, 404, 429]
    english = [
        "Invitation to the Sferum platform",
        "Unit: «",
        "I have an account",
        "The invitation link has been revoked",
        "There is no such invitation link",
        "Too many requests",
    ]
    shown = [phrase for p in pages for phrase in english if phrase in text_of(p)]
    assert shown == []
    assert all(re.search("[А-Яа-яЁё]", h1(p)) for p in pages)


# --- the rate limit ----------------------------------------------------------------------------


def _within_one_minute_window():
    """The limit counts per clock minute: do not straddle the boundary."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.2)


@override_settings(INVITE_RATE_LIMIT_PER_MINUTE=3)
def test_more_than_the_limit_in_a_minute_from_one_address_is_429(klass, admin_user):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    client = Client(REMOTE_ADDR="10.0.0.1")
    _within_one_minute_window()

    codes = [client.get(landing(token)).status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    # Another address is counted on its own.
    assert Client(REMOTE_ADDR="10.0.0.2").get(landing(token)).status_code == 200
    assert client.get(landing(token)).status_code == 429


@override_settings(INVITE_RATE_LIMIT_PER_MINUTE=3)
def test_guessing_unknown_tokens_counts_towards_the_limit(klass, admin_user):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    client = Client(REMOTE_ADDR="10.0.0.3")
    _within_one_minute_window()

    codes = [client.get(landing(services.new_token())).status_code for _ in range(3)]
    codes.append(client.get(landing(token)).status_code)
    codes.append(client.post(landing(token), {"action": "signup"}).status_code)

    assert codes == [404, 404, 404, 429, 429]


@override_settings(INVITE_RATE_LIMIT_PER_MINUTE=3)
def test_a_forged_forwarded_for_header_does_not_escape_the_limit(klass, admin_user):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    client = Client(REMOTE_ADDR="10.0.0.4")
    _within_one_minute_window()

    codes = [
        client.get(landing(token), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]

    assert codes == [200, 200, 200, 429]


@override_settings(INVITE_RATE_LIMIT_PER_MINUTE=2, RATE_LIMIT_TRUST_FORWARDED_FOR=True)
def test_behind_the_own_proxy_the_last_forwarded_address_is_counted(klass, admin_user):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    _within_one_minute_window()

    def get(chain):
        return proxy.get(landing(token), HTTP_X_FORWARDED_FOR=chain).status_code

    # The client may prepend anything; the proxy appends the real address last.
    assert [get(f"6.6.6.{n}, 198.51.100.7") for n in range(3)] == [200, 200, 429]
    assert get("198.51.100.8") == 200


def test_the_default_limit_is_thirty_a_minute(klass, admin_user, settings):
    assert settings.INVITE_RATE_LIMIT_PER_MINUTE == 30


# --- staff links: sign in or create an account -------------------------------------------------


def test_a_newcomer_signs_up_and_joins_by_a_staff_link(institution, staff_room, admin_user):
    invitation, token = issue(staff_room, Role.TEACHER, admin_user)
    client = Client()
    assert client.get(landing(token)).status_code == 200

    response = client.post(
        landing(token),
        {
            "action": "signup",
            "signup-last_name": "Смирнова",
            "signup-first_name": "Ольга",
            "signup-email": "olga@example.org",
            "signup-username": "smirnova",
            "signup-password1": "Kx9-long-pass",
            "signup-password2": "Kx9-long-pass",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/chats/{institution.pk}/my/"  # on to their chats
    user = User.objects.get(username="smirnova")
    assert user.check_password("Kx9-long-pass")
    assert logged_in_user_id(client) == user.pk
    membership = Membership.objects.get(person__user=user)
    assert (membership.unit, membership.role) == (staff_room, Role.TEACHER)
    assert membership.joined_at is not None
    assert membership.person.full_name == "Смирнова Ольга"
    invitation.refresh_from_db()
    assert invitation.uses_count == 1
    assert client.get("/").status_code == 200


def test_the_signup_asks_for_the_patronymic_and_keeps_it_on_the_person(
    institution, staff_room, admin_user
):
    _invitation, token = issue(staff_room, Role.TEACHER, admin_user)
    client = Client()
    form = client.get(landing(token)).context["signup_form"]
    assert "patronymic" in form.fields and not form.fields["patronymic"].required

    client.post(
        landing(token),
        {
            "action": "signup",
            "signup-last_name": "Петрова",
            "signup-first_name": "Нина",
            "signup-patronymic": " Сергеевна ",
            "signup-email": "nina@example.org",
            "signup-username": "n.petrova",
            "signup-password1": "Kx9-long-pass",
            "signup-password2": "Kx9-long-pass",
        },
    )

    person = Person.objects.get(user__username="n.petrova")
    assert person.patronymic == "Сергеевна"
    assert (person.full_name, person.short_name) == ("Петрова Нина Сергеевна", "Петрова Н.С.")
    # The administrator's roster shows the full name.
    people = login(admin_user).get(f"/structure/{institution.pk}/people/")
    assert "Петрова Нина Сергеевна" in text_of(people)


def test_a_signup_with_errors_creates_nothing(staff_room, admin_user, client):
    invitation, token = issue(staff_room, Role.TEACHER, admin_user)
    response = client.post(
        landing(token),
        {
            "action": "signup",
            "signup-last_name": "Смирнова",
            "signup-first_name": "Ольга",
            "signup-email": "olga@example.org",
            "signup-username": "smirnova",
            "signup-password1": "Kx9-long-pass",
            "signup-password2": "different-pass-1",
        },
    )
    assert response.status_code == 200
    assert response.context["signup_form"].errors
    assert not User.objects.filter(username="smirnova").exists()
    invitation.refresh_from_db()
    assert invitation.uses_count == 0


def test_an_existing_user_logs_in_and_joins(klass, admin_user):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    user = UserFactory(first_name="Пётр", last_name="Соколов")
    client = Client()

    response = client.post(
        landing(token),
        {"action": "login", "login-username": user.username, "login-password": PASSWORD},
    )

    assert response.status_code == 302
    assert logged_in_user_id(client) == user.pk
    membership = Membership.objects.get(person__user=user)
    assert (membership.unit, membership.role) == (klass, Role.TEACHER)
    assert membership.joined_at is not None


def test_a_wrong_password_joins_nobody(klass, admin_user, client):
    invitation, token = issue(klass, Role.TEACHER, admin_user)
    user = UserFactory()
    response = client.post(
        landing(token),
        {"action": "login", "login-username": user.username, "login-password": "wrong"},
    )
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    invitation.refresh_from_db()
    assert invitation.uses_count == 0


def test_a_logged_in_user_accepts(institution, klass, admin_user):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    teacher = make_member(institution, Role.TEACHER)  # in the staff room already
    client = login(teacher.user)
    assert "accept" in text_of(client.get(landing(token)))

    response = client.post(landing(token), {"action": "accept"})

    assert response.status_code == 302
    membership = Membership.objects.get(person=teacher, unit=klass)
    assert membership.role == Role.TEACHER
    assert membership.joined_at is not None


# --- student and parent links -----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_a_personal_link_joins_with_one_confirmation_and_no_password(klass, admin_user, role):
    person = roster_member(klass, role, last_name="Орлова", first_name="Вера")
    invitation, token = issue(klass, role, admin_user, person=person)
    client = Client()

    response = client.post(landing(token), {"action": "join"})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user is not None
    assert not person.user.has_usable_password()
    assert logged_in_user_id(client) == person.user_id
    membership = Membership.objects.get(person=person, unit=klass)
    assert membership.joined_at is not None
    invitation.refresh_from_db()
    assert invitation.status == Status.USED_UP
    # The second use, by anyone, is gone.
    again = Client().post(landing(token), {"action": "join"})
    assert again.status_code == 410
    assert again.context["reason"] == Status.USED_UP
    assert Client().get(landing(token)).status_code == 410
    assert User.objects.filter(people=person).count() == 1


def test_a_personal_link_of_another_person_used_by_a_logged_in_user_is_403(
    institution, klass, admin_user
):
    person = roster_member(klass, Role.STUDENT)
    invitation, token = issue(klass, Role.STUDENT, admin_user, person=person)
    other = make_member(institution, Role.STUDENT, klass)
    client = login(other.user)

    response = client.post(landing(token), {"action": "accept"})

    assert response.status_code == 403
    assert response.context["reason"] == "not_for_you"
    person.refresh_from_db()
    assert person.user is None
    invitation.refresh_from_db()
    assert invitation.uses_count == 0


def test_a_personal_link_of_somebody_with_a_password_is_403(institution, klass, admin_user):
    parent = roster_member(klass, Role.PARENT)
    _invitation, token = issue(klass, Role.PARENT, admin_user, person=parent)
    # The parent got a login with a password after the link was issued.
    roles_services.update_person(person=parent, by=None, user=UserFactory())
    client = Client()

    response = client.post(landing(token), {"action": "join"})

    assert response.status_code == 403
    assert logged_in_user_id(client) is None


def test_a_class_link_with_approval_makes_a_request_and_home_shows_the_waiting_notice(
    institution, klass, admin_user
):
    invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=None)
    client = Client()
    page = client.get(landing(token))
    assert page.status_code == 200
    assert "child_name" not in text_of(page)
    assert 'name="email"' not in text_of(page)

    response = client.post(
        landing(token),
        {"action": "request", "last_name": "Кузнецов", "first_name": "Олег", "patronymic": ""},
    )

    assert response.status_code == 200
    join_request = JoinRequest.objects.get()
    assert response.context["join_request"] == join_request
    assert join_request.status == JoinRequestStatus.PENDING
    assert (join_request.last_name, join_request.first_name) == ("Кузнецов", "Олег")
    assert (join_request.unit, join_request.role) == (klass, Role.STUDENT)
    assert join_request.user_id == logged_in_user_id(client)
    assert not Membership.objects.filter(person__user=join_request.user).exists()

    home = client.get("/")
    assert home.status_code == 200
    assert list(home.context["waiting_requests"]) == [join_request]
    assert "alert-info" in text_of(home)
    assert "3А" in text_of(home)
    assert institution.name in text_of(home)


def test_a_parent_request_needs_the_childs_name(klass, admin_user, client):
    _invitation, token = issue(klass, Role.PARENT, admin_user, max_uses=None)

    response = client.post(
        landing(token), {"action": "request", "last_name": "Сидорова", "first_name": "Анна"}
    )
    assert response.status_code == 200
    assert "child_name" in response.context["request_form"].errors
    assert not JoinRequest.objects.exists()

    response = client.post(
        landing(token),
        {
            "action": "request",
            "last_name": "Сидорова",
            "first_name": "Анна",
            "child_name": "Сидоров Пётр",
            "email": "anna@example.org",
        },
    )
    assert response.status_code == 200
    join_request = JoinRequest.objects.get()
    assert (join_request.child_name, join_request.email) == ("Сидоров Пётр", "anna@example.org")


def test_a_class_link_without_approval_joins_at_once(klass, admin_user):
    _invitation, token = issue(klass, Role.PARENT, admin_user, max_uses=None, needs_approval=False)
    client = Client()

    response = client.post(
        landing(token),
        {
            "action": "request",
            "last_name": "Сидорова",
            "first_name": "Анна",
            "child_name": "Сидоров Пётр",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(unit=klass, role=Role.PARENT)
    assert membership.person.user_id == logged_in_user_id(client)
    assert membership.joined_at is not None
    assert not JoinRequest.objects.exists()


def test_a_class_link_of_limited_uses_counts_requests(klass, admin_user):
    invitation, token = issue(klass, Role.STUDENT, admin_user, max_uses=2)
    for name in ("Кузнецов", "Морозов"):
        response = Client().post(
            landing(token), {"action": "request", "last_name": name, "first_name": "Олег"}
        )
        assert response.status_code == 200
    assert Client().get(landing(token)).status_code == 410
    invitation.refresh_from_db()
    assert invitation.uses_count == 2
    assert JoinRequest.objects.count() == 2


# --- tokens stay out of logs and tables ----------------------------------------------------------


def test_no_raw_token_is_written_to_the_request_log(caplog, institution, klass, admin_user):
    gone, revoked = issue(klass, Role.TEACHER, admin_user)
    services.revoke_invitation(invitation=gone, by=admin_user)
    unknown = services.new_token()
    client = Client()

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(landing(unknown)).status_code == 404
        assert client.get(landing(revoked)).status_code == 410

    logged = [r for r in caplog.records if r.name == "django.request"]
    assert {getattr(r, "status_code", None) for r in logged} >= {404, 410}
    assert unknown not in caplog.text
    assert revoked not in caplog.text
    assert "/invite/" in caplog.text  # the path is logged, with the token hidden


def test_the_configured_log_output_hides_tokens_from_every_logger(caplog, klass, admin_user):
    """What the console handler writes (the production log), including the CSRF logger."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactInviteTokens) for f in h.filters)
    )
    gone, revoked = issue(klass, Role.TEACHER, admin_user)
    services.revoke_invitation(invitation=gone, by=admin_user)
    _active, active = issue(klass, Role.TEACHER, admin_user)
    unknown = services.new_token()
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            assert Client().get(landing(unknown)).status_code == 404
            assert Client().get(landing(revoked)).status_code == 410
            strict = Client(enforce_csrf_checks=True)
            assert strict.post(landing(active), {"action": "accept"}).status_code == 403
    finally:
        handler.setStream(previous)

    output = buffer.getvalue()
    assert output.count("/invite/[hidden]/") >= 3
    for token in (unknown, revoked, active):
        assert token not in output


def test_no_raw_token_is_logged_at_any_level_through_a_whole_join(caplog, klass, admin_user):
    person = roster_member(klass, Role.STUDENT)
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=person)
    client = Client()

    with caplog.at_level(logging.DEBUG):
        client.get(landing(token))
        client.post(landing(token), {"action": "join"})
        client.post(landing(token), {"action": "join"})  # 410
        with override_settings(INVITE_RATE_LIMIT_PER_MINUTE=0):
            client.get(landing(token))  # 429

    assert token not in caplog.text
    assert all(token not in str(r.args) for r in caplog.records)


def test_no_raw_token_stays_in_the_database_after_the_landing_flows(klass, admin_user):
    from ..helpers import all_table_values

    person = roster_member(klass, Role.STUDENT)
    _personal, personal_token = issue(klass, Role.STUDENT, admin_user, person=person)
    _class_link, class_token = issue(klass, Role.PARENT, admin_user, max_uses=None)
    _staff, staff_token = issue(klass, Role.TEACHER, admin_user)

    Client().post(landing(personal_token), {"action": "join"})
    Client().post(
        landing(class_token),
        {"action": "request", "last_name": "А", "first_name": "Б", "child_name": "В"},
    )
    user = UserFactory()
    Client().post(
        landing(staff_token),
        {"action": "login", "login-username": user.username, "login-password": PASSWORD},
    )
    assert Membership.objects.filter(joined_at__isnull=False).count() == 2
    assert JoinRequest.objects.count() == 1

    dump = all_table_values()
    for token in (personal_token, class_token, staff_token):
        assert token not in dump
    assert Invitation.objects.count() == 3
    assert Person.objects.filter(user__isnull=False).count() >= 3


def test_the_landing_page_never_links_the_token_to_other_sites(klass, admin_user, client):
    _invitation, token = issue(klass, Role.TEACHER, admin_user)
    html = text_of(client.get(landing(token)))
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert all(token not in url for url in external)
