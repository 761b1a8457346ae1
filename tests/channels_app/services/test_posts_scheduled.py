"""Scheduled publication: only due posts, each once, whatever the number of runs."""

import datetime as dt

import pytest

from channels_app import services
from channels_app.models import Post, PostHistory, PostState
from roles.models import TodoItem

from ..helpers import post_in_state

NOW = dt.datetime(2030, 5, 14, 9, 0, tzinfo=dt.UTC)


def scheduled(news, author, admin, publish_at, title, now=NOW):
    post = post_in_state(news, author, admin, PostState.APPROVED, title=title)
    services.schedule_post(post=post, by=admin, publish_at=publish_at, now=now)
    return Post.objects.get(pk=post.pk)


@pytest.fixture
def posts(news, director, admin_user):
    hour = dt.timedelta(hours=1)
    return {
        "in_1h": scheduled(news, director.user, admin_user, NOW + hour, "Через час"),
        "in_2h": scheduled(news, director.user, admin_user, NOW + 2 * hour, "Через два часа"),
        "tomorrow": scheduled(news, director.user, admin_user, NOW + 24 * hour, "Завтра"),
    }


def states(posts) -> dict[str, str]:
    return {key: Post.objects.get(pk=p.pk).state for key, p in posts.items()}


def test_only_due_posts_are_published_each_once_with_one_todo(posts):
    assert services.publish_due_posts(now=NOW) == 0
    assert services.publish_due_posts(now=NOW + dt.timedelta(minutes=59)) == 0
    assert TodoItem.objects.count() == 0

    at = NOW + dt.timedelta(hours=2)
    assert services.publish_due_posts(now=at) == 2
    assert states(posts) == {
        "in_1h": PostState.PUBLISHED,
        "in_2h": PostState.PUBLISHED,
        "tomorrow": PostState.SCHEDULED,
    }
    assert TodoItem.objects.count() == 2
    for key in ("in_1h", "in_2h"):
        post = Post.objects.get(pk=posts[key].pk)
        assert post.published_at == post.publish_at == posts[key].publish_at
        assert post.todo is not None and post.title in post.todo.title
        last = post.history.order_by("-at", "-id").first()
        assert (last.action, last.actor, last.state_from, last.state_to) == (
            "publish",
            None,
            PostState.SCHEDULED,
            PostState.PUBLISHED,
        )

    # A second run at the same time and a run after that publish nothing more.
    history = PostHistory.objects.count()
    assert services.publish_due_posts(now=at) == 0
    assert services.publish_due_posts(now=at + dt.timedelta(minutes=5)) == 0
    assert TodoItem.objects.count() == 2
    assert PostHistory.objects.count() == history

    assert services.publish_due_posts(now=NOW + dt.timedelta(days=1)) == 1
    assert services.publish_due_posts(now=NOW + dt.timedelta(days=2)) == 0
    assert TodoItem.objects.count() == 3
    assert set(states(posts).values()) == {PostState.PUBLISHED}


def test_a_post_unscheduled_before_its_time_is_not_published(posts, admin_user):
    services.unschedule_post(post=posts["in_1h"], by=admin_user)
    assert services.publish_due_posts(now=NOW + dt.timedelta(hours=3)) == 1
    post = Post.objects.get(pk=posts["in_1h"].pk)
    assert post.state == PostState.APPROVED and post.publish_at is None
    assert post.published_at is None and post.todo is None


def test_a_post_rejected_or_published_by_hand_before_its_time_is_not_published_again(
    posts, admin_user
):
    services.reject_post(post=posts["in_1h"], by=admin_user, comment="Уже неактуально.")
    services.publish_post_now(post=posts["in_2h"], by=admin_user)
    assert TodoItem.objects.count() == 1
    assert services.publish_due_posts(now=NOW + dt.timedelta(hours=3)) == 0
    assert Post.objects.get(pk=posts["in_1h"].pk).state == PostState.REJECTED
    assert TodoItem.objects.count() == 1
