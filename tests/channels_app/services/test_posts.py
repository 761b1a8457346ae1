"""The editorial workflow of posts: every step from every state for every kind of actor."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from channels_app import permissions, services
from channels_app.models import ChannelAuthor, Post, PostHistory, PostState
from roles.models import Role, TodoItem, UnitKind, User

from ...factories import UserFactory, make_institution, make_member, make_unit
from ..helpers import (
    channel,
    future,
    member,
    post_in_state,
    post_row,
    set_email,
    shared_data,
    teacher,
)

STATES = list(PostState.values)
ACTIONS = ["submit", "withdraw", "request_changes", "approve", "reject", "schedule"]
ACTIONS += ["unschedule", "publish_now"]

# The workflow as the issue describes it, written out by hand: action -> (from, to, who).
D, S, C, A = PostState.DRAFT, PostState.SUBMITTED, PostState.CHANGES_REQUESTED, PostState.APPROVED
SC, P, R = PostState.SCHEDULED, PostState.PUBLISHED, PostState.REJECTED
WORKFLOW = {
    "submit": ({D, C}, S, "author"),
    "withdraw": ({S}, D, "author"),
    "request_changes": ({S, A}, C, "editor"),
    "approve": ({S}, A, "editor"),
    "reject": ({S, A, SC}, R, "editor"),
    "schedule": ({A}, SC, "editor"),
    "unschedule": ({SC}, A, "editor"),
    "publish_now": ({A, SC}, P, "editor"),
}

# Scenario -> (who wrote the post, who tries the step).
SCENARIOS = {
    "author_director": ("director", "director"),
    "author_deputy": ("deputy", "deputy"),
    "author_teacher": ("teacher_author", "teacher_author"),
    "author_admin": ("admin", "admin"),
    "editor": ("teacher_author", "admin"),
    "other_deputy": ("deputy", "deputy2"),
    "teacher_not_allowed": ("director", "teacher"),
    "student": ("director", "student"),
    "parent": ("director", "parent"),
    "superuser": ("director", "superuser"),
    "outsider_admin": ("director", "outsider"),
}
# Hand-written: who takes the author's steps (their own post) and who the editor's.
TAKES_AUTHOR_STEPS = {"author_director", "author_deputy", "author_teacher", "author_admin"}
TAKES_EDITOR_STEPS = {"author_admin", "editor", "superuser"}
EDITABLE = {"author": {D, C}, "editor": {S, A}}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Everyone of the matrix, built once for the module (see helpers.shared_data)."""
    with shared_data(django_db_blocker):
        institution = make_institution("Школа № 1")
        klass = make_unit(institution, UnitKind.CLASS, "5А")
        admin = make_member(institution, Role.ADMIN).user
        author = teacher(institution, klass)
        services.allow_author(institution=institution, person=author, by=admin)
        people = {
            "director": make_member(institution, Role.DIRECTOR).user,
            "deputy": make_member(institution, Role.DEPUTY).user,
            "deputy2": make_member(institution, Role.DEPUTY).user,
            "admin": admin,
            "teacher_author": author.user,
            "teacher": teacher(institution, klass).user,
            "student": member(klass, Role.STUDENT).user,
            "parent": member(klass, Role.PARENT).user,
            "superuser": UserFactory(is_superuser=True, is_staff=True),
            "outsider": make_member(make_institution(), Role.ADMIN).user,
        }
        news = channel(institution, admin, "everyone", "Новости")
        yield {"institution": institution, "klass": klass, "people": people, "news": news}


@pytest.fixture
def people(world, db):
    return world["people"]


@pytest.fixture
def news(world, db):
    return world["news"]


@pytest.fixture
def institution(world, db):
    return world["institution"]


@pytest.fixture
def klass(world, db):
    return world["klass"]


@pytest.fixture
def admin_user(people):
    return people["admin"]


def expected_allowed(action: str, state: str, scenario: str) -> bool:
    sources, _target, who = permissions.TRANSITIONS[action]
    if state not in sources:
        return False
    takers = TAKES_AUTHOR_STEPS if who == permissions.AUTHOR else TAKES_EDITOR_STEPS
    return scenario in takers


def take(action: str, post: Post, by) -> Post:
    if action == "submit":
        return services.submit_post(post=post, by=by)
    if action == "withdraw":
        return services.withdraw_post(post=post, by=by)
    if action == "request_changes":
        return services.request_changes(post=post, by=by, comment="Добавьте дату.")
    if action == "approve":
        return services.approve_post(post=post, by=by)
    if action == "reject":
        return services.reject_post(post=post, by=by, comment="Повтор.")
    if action == "schedule":
        return services.schedule_post(post=post, by=by, publish_at=future(10))
    if action == "unschedule":
        return services.unschedule_post(post=post, by=by)
    assert action == "publish_now"
    return services.publish_post_now(post=post, by=by)


def snapshot(post: Post) -> tuple:
    post = Post.objects.get(pk=post.pk)
    return (
        post.state,
        post.title,
        post.publish_at,
        post.published_at,
        post.review_comment,
        post.todo_id,
        PostHistory.objects.filter(post=post).count(),
        TodoItem.objects.count(),
    )


def test_the_declared_transitions_are_the_workflow_of_the_issue():
    declared = {
        action: (set(sources), target, who)
        for action, (sources, target, who) in permissions.TRANSITIONS.items()
    }
    assert declared == WORKFLOW
    assert set(ACTIONS) == set(permissions.TRANSITIONS)
    assert permissions.EDITABLE_BY == EDITABLE


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_step_from_every_state_for_every_actor(people, news, action, state, scenario):
    author_key, actor_key = SCENARIOS[scenario]
    post = post_row(news, people[author_key], state)
    actor = people[actor_key]
    allowed = expected_allowed(action, state, scenario)
    assert permissions.can_transition(actor, post, action) is allowed
    assert (action in permissions.allowed_transitions(actor, post)) is allowed
    before = snapshot(post)
    history_before = before[6]

    if not allowed:
        with pytest.raises(services.PostTransitionError) as refused:
            take(action, post, actor)
        assert isinstance(refused.value, PermissionDenied)
        assert snapshot(post) == before
        return

    take(action, post, actor)
    post.refresh_from_db()
    target = permissions.TRANSITIONS[action][1]
    assert post.state == target
    assert post.history.count() == history_before + 1
    last = post.history.order_by("-at", "-id").first()
    assert (last.actor, last.action, last.state_from, last.state_to) == (
        actor,
        action,
        state,
        target,
    )
    if target == PostState.SCHEDULED:
        assert post.publish_at is not None
    if action in ("unschedule", "reject"):
        assert post.publish_at is None
    if action == "publish_now":
        assert post.published_at is not None
        assert post.todo is not None and post.todo.done_at is None


# --- the key cases, written out by hand ---------------------------------------------------------


def test_an_author_cannot_approve_their_own_post_unless_they_are_the_admin(people, news):
    own = post_in_state(news, people["director"], people["admin"], PostState.SUBMITTED)
    with pytest.raises(services.PostTransitionError):
        services.approve_post(post=own, by=people["director"])
    assert Post.objects.get(pk=own.pk).state == PostState.SUBMITTED

    admins_own = post_in_state(news, people["admin"], people["admin"], PostState.SUBMITTED)
    services.approve_post(post=admins_own, by=people["admin"])
    assert Post.objects.get(pk=admins_own.pk).state == PostState.APPROVED


def test_the_admin_cannot_submit_or_withdraw_someone_elses_post(people, news):
    draft = post_in_state(news, people["director"], people["admin"], PostState.DRAFT)
    with pytest.raises(services.PostTransitionError):
        services.submit_post(post=draft, by=people["admin"])
    submitted = post_in_state(news, people["director"], people["admin"], PostState.SUBMITTED)
    with pytest.raises(services.PostTransitionError):
        services.withdraw_post(post=submitted, by=people["admin"])
    assert Post.objects.get(pk=draft.pk).state == PostState.DRAFT
    assert Post.objects.get(pk=submitted.pk).state == PostState.SUBMITTED


def test_an_allowed_teacher_cannot_publish_or_schedule_their_own_post(people, news):
    post = post_in_state(news, people["teacher_author"], people["admin"], PostState.APPROVED)
    for action in ("publish_now", "schedule", "reject", "request_changes"):
        with pytest.raises(services.PostTransitionError):
            take(action, post, people["teacher_author"])
    assert Post.objects.get(pk=post.pk).state == PostState.APPROVED


def test_a_published_or_rejected_post_takes_no_step_at_all(people, news):
    for state in (PostState.PUBLISHED, PostState.REJECTED):
        post = post_in_state(news, people["admin"], people["admin"], state)
        assert permissions.allowed_transitions(people["admin"], post) == []
        assert permissions.allowed_transitions(people["superuser"], post) == []


def test_the_whole_way_of_a_post_is_kept_in_its_history(people, news):
    author, admin = people["teacher_author"], people["admin"]
    post = services.create_post(channel=news, title="Концерт", body="В субботу.", by=author)
    services.submit_post(post=post, by=author)
    services.request_changes(post=post, by=admin, comment="Укажите время.")
    services.update_post(post=post, by=author, title="Концерт в 18:00", body="В субботу.")
    services.submit_post(post=post, by=author)
    services.approve_post(post=post, by=admin)
    services.schedule_post(post=post, by=admin, publish_at=future(3))
    services.unschedule_post(post=post, by=admin)
    services.schedule_post(post=post, by=admin, publish_at=future(4))
    services.publish_post_now(post=post, by=admin)

    rows = list(post.history.order_by("at", "id").values_list("actor", "action", "state_to"))
    assert rows == [
        (author.pk, "create", D),
        (author.pk, "submit", S),
        (admin.pk, "request_changes", C),
        (author.pk, "edit", C),
        (author.pk, "submit", S),
        (admin.pk, "approve", A),
        (admin.pk, "schedule", SC),
        (admin.pk, "unschedule", A),
        (admin.pk, "schedule", SC),
        (admin.pk, "publish_now", P),
    ]
    post.refresh_from_db()
    assert post.review_comment == ""  # a resubmission clears the editor's old comment


# --- editing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("state", STATES)
def test_a_post_is_changed_only_in_the_states_each_role_may_change_it(
    people, news, state, scenario
):
    author_key, actor_key = SCENARIOS[scenario]
    post = post_row(news, people[author_key], state)
    actor = people[actor_key]
    allowed = (state in EDITABLE["author"] and scenario in TAKES_AUTHOR_STEPS) or (
        state in EDITABLE["editor"] and scenario in TAKES_EDITOR_STEPS
    )
    assert permissions.can_edit_post(actor, post) is allowed
    before = snapshot(post)
    if not allowed:
        with pytest.raises(services.PostTransitionError):
            services.update_post(post=post, by=actor, title="Новый заголовок", body="Новый.")
        assert snapshot(post) == before
        return
    services.update_post(post=post, by=actor, title="Новый заголовок", body="Новый текст.")
    post.refresh_from_db()
    assert (post.state, post.title, post.body) == (state, "Новый заголовок", "Новый текст.")
    last = post.history.order_by("-at", "-id").first()
    assert (last.actor, last.action, last.state_from, last.state_to) == (
        actor,
        "edit",
        state,
        state,
    )


def test_a_post_without_a_title_or_text_is_refused_and_nothing_changes(people, news):
    post = post_in_state(news, people["director"], people["admin"], PostState.DRAFT)
    before = snapshot(post)
    with pytest.raises(ValidationError) as refused:
        services.update_post(post=post, by=people["director"], title="  ", body=" ")
    assert set(refused.value.message_dict) == {"title", "body"}
    assert snapshot(post) == before


# --- who writes -----------------------------------------------------------------------------------


def test_a_teacher_writes_posts_only_while_the_admin_allows_it(
    institution, klass, admin_user, news
):
    person = teacher(institution, klass)
    user = person.user

    def write():
        return services.create_post(channel=news, title="Экскурсия", body="Текст.", by=user)

    with pytest.raises(PermissionDenied):
        write()
    assert not Post.objects.exists()

    author = services.allow_author(institution=institution, person=person, by=admin_user)
    post = write()
    assert post.author == user and post.state == PostState.DRAFT
    assert list(post.history.values_list("action", "actor")) == [("create", user.pk)]

    services.remove_author(author=author, by=admin_user)
    assert not ChannelAuthor.objects.filter(person=person).exists()
    with pytest.raises(PermissionDenied):
        write()
    assert Post.objects.count() == 1


def test_the_administration_writes_and_families_and_outsiders_do_not(people, news):
    for user in (people["director"], people["deputy"], people["admin"], people["superuser"]):
        services.create_post(channel=news, title="Объявление", body="Текст.", by=user)
    for key in ("student", "parent", "outsider", "teacher"):
        with pytest.raises(PermissionDenied):
            services.create_post(channel=news, title="Объявление", body="Текст.", by=people[key])
    assert Post.objects.count() == 4


def test_only_the_admin_allows_authors_and_only_staff(people, institution, klass, admin_user):
    person = teacher(institution, klass)
    with pytest.raises(PermissionDenied):
        services.allow_author(institution=institution, person=person, by=people["director"])
    with pytest.raises(ValidationError):
        services.allow_author(
            institution=institution, person=member(klass, Role.PARENT), by=admin_user
        )
    assert not ChannelAuthor.objects.filter(person=person).exists()
    assert ChannelAuthor.objects.count() == 1  # the module's allowed teacher only


# --- comments, schedules, publication ---------------------------------------------------------


@pytest.mark.parametrize("step", ["request_changes", "reject"])
def test_asking_for_changes_or_rejecting_needs_a_comment(people, news, step, mailoutbox):
    set_email(User.objects.get(pk=people["director"].pk), "director@example.org")
    post = post_in_state(news, people["director"], people["admin"], PostState.SUBMITTED)
    before = snapshot(post)
    call = services.request_changes if step == "request_changes" else services.reject_post
    with pytest.raises(ValidationError) as refused:
        call(post=post, by=people["admin"], comment="   ")
    assert "comment" in refused.value.message_dict
    assert snapshot(post) == before
    assert mailoutbox == []


def has_cyrillic(text: str) -> bool:
    return any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in text)


def test_a_post_scheduled_in_the_past_is_refused_in_russian_and_nothing_changes(people, news):
    post = post_in_state(news, people["director"], people["admin"], PostState.APPROVED)
    before = snapshot(post)
    now = timezone.now()
    for moment in (now - dt.timedelta(minutes=1), now):
        with pytest.raises(ValidationError) as refused:
            services.schedule_post(post=post, by=people["admin"], publish_at=moment, now=now)
        message = refused.value.message_dict["publish_at"][0]
        assert has_cyrillic(message), f"not in Russian: {message}"
        assert snapshot(post) == before


def test_publishing_now_gives_the_admin_a_todo_and_recording_the_link_closes_it(people, news):
    admin = people["admin"]
    post = post_in_state(news, people["director"], admin, PostState.APPROVED, title="Выставка")
    assert not TodoItem.objects.exists()
    services.publish_post_now(post=post, by=admin)
    post.refresh_from_db()
    todo = TodoItem.objects.get()
    assert post.todo == todo
    assert todo.institution == post.institution and todo.done_at is None
    assert "Выставка" in todo.title and news.name in todo.title

    services.record_post_link(post=post, by=admin, link=" https://max.ru/channel/42 ")
    post.refresh_from_db()
    todo.refresh_from_db()
    assert post.sferum_link == "https://max.ru/channel/42"
    assert todo.done_at is not None and todo.done_by == admin
    assert post.history.order_by("-at", "-id").first().action == "link"


def test_a_link_is_recorded_only_for_a_published_post_and_only_by_the_admin(people, news):
    admin = people["admin"]
    for state in (PostState.APPROVED, PostState.SCHEDULED, PostState.DRAFT):
        post = post_in_state(news, people["director"], admin, state)
        before = snapshot(post)
        with pytest.raises(ValidationError):
            services.record_post_link(post=post, by=admin, link="https://max.ru/channel/1")
        assert Post.objects.get(pk=post.pk).sferum_link == ""
        assert snapshot(post) == before
    published = post_in_state(news, people["director"], admin, PostState.PUBLISHED)
    with pytest.raises(PermissionDenied):
        services.record_post_link(
            post=published, by=people["director"], link="https://max.ru/channel/1"
        )
    with pytest.raises(ValidationError):
        services.record_post_link(post=published, by=admin, link="http://max.ru/channel/1")
    published.refresh_from_db()
    assert published.sferum_link == "" and published.todo.done_at is None


@pytest.mark.parametrize("step", ["request_changes", "reject"])
def test_the_author_gets_an_email_when_asked_for_changes_or_rejected(
    people, news, step, mailoutbox, django_capture_on_commit_callbacks
):
    author = set_email(User.objects.get(pk=people["director"].pk), "director@example.org")
    post = post_in_state(news, author, people["admin"], PostState.SUBMITTED, title="Концерт")
    call = services.request_changes if step == "request_changes" else services.reject_post
    with django_capture_on_commit_callbacks(execute=True):
        call(post=post, by=people["admin"], comment="Уточните дату концерта.")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["director@example.org"]
    assert "Концерт" in mail.subject
    assert "Уточните дату концерта." in mail.body
    with translation.override("ru"):
        subject = translation.gettext(
            "Changes requested: %(title)s"
            if step == "request_changes"
            else "Post rejected: %(title)s"
        ) % {"title": "Концерт"}
    assert mail.subject == subject


def test_no_email_for_an_author_without_an_address_or_for_other_steps(
    people, news, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in_state(news, people["deputy"], people["admin"], PostState.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(post=post, by=people["admin"], comment="Сократите.")
    author = set_email(User.objects.get(pk=people["director"].pk), "director@example.org")
    other = post_in_state(news, author, people["admin"], PostState.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(post=other, by=people["admin"])
        services.publish_post_now(post=other, by=people["admin"])
    assert mailoutbox == []
