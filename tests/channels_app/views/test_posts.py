"""The pages of the feed and of posts: their Russian texts, empty states and the preview."""

import html

from channels_app.models import Channel, Post, PostState
from roles.models import Role

from ..helpers import client_of, member, page, ru, text_of


def test_the_pages_speak_russian_and_show_empty_states(world, db):
    institution, users = world["institution"], world["users"]
    client = client_of(users["parent"])
    text = html.unescape(text_of(client.get(page("feed", institution))))
    assert "Лента" in text and "Новости" in text
    text = html.unescape(text_of(client.get(page("events", institution) + "?period=past")))
    assert ru("No events match.") in text
    director = client_of(users["director"])
    text = html.unescape(text_of(director.get(page("queue", institution) + "?state=rejected")))
    assert ru("My posts") in text and ru("No posts here.") in text


def test_an_empty_feed_and_event_list_say_so_in_russian(institution, klass):
    parent = member(klass, Role.PARENT).user
    client = client_of(parent)
    text = html.unescape(text_of(client.get(page("feed", institution))))
    assert ru("Nothing has been published for you yet.") in text
    text = html.unescape(text_of(client.get(page("events", institution))))
    assert ru("No upcoming events for you.") in text


def test_the_preview_shows_the_post_without_saving_it(world, db):
    institution, users = world["institution"], world["users"]
    news = Channel.objects.get(institution=institution)
    client = client_of(users["director"])
    before = Post.objects.count()
    response = client.post(
        page("post_create", institution),
        {
            "channel": news.pk,
            "title": "Заголовок для предпросмотра",
            "body": "Первый абзац.\n\nВторой абзац.",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    text = html.unescape(text_of(response))
    assert ru("Preview: this is how the post will look") in text
    assert "Заголовок для предпросмотра" in text and "<p>Второй абзац.</p>" in text
    assert Post.objects.count() == before

    response = client.post(
        page("post_create", institution),
        {"channel": news.pk, "title": "Сохранённый", "body": "Текст.", "submit": "1"},
    )
    assert response.status_code == 302
    saved = Post.objects.get(title="Сохранённый")
    assert saved.state == PostState.SUBMITTED and saved.author == users["director"]
