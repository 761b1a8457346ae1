"""Smaller defects seen on the walk (issue 13, item 10): a post opened from the editorial queue
goes back to the queue; channel audiences are all plural («сотрудники»)."""

import html
import re

from django.utils import translation

from channels_app.models import Audience, PostState

from ..helpers import channel, client_of, page, post_row, text_of


def back_link(response) -> str:
    return re.search(r'<p class="no-print"><a href="([^"]+)">← ([^<]+)</a>', text_of(response))


def test_a_post_opened_from_the_queue_goes_back_to_the_queue(institution, admin_user, director):
    news = channel(institution, admin_user, "everyone", "Новости")
    submitted = post_row(news, director.user, PostState.SUBMITTED, "На проверке")
    published = post_row(news, director.user, PostState.PUBLISHED, "Опубликован")
    client = client_of(admin_user)
    queue = client.get(page("queue", institution), {"state": ""})
    link = page("post", institution, published.pk) + "?from=queue"
    assert html.escape(link) in text_of(queue) or link in text_of(queue)

    # Opened from the queue: back to the queue, also for a published post.
    found = back_link(client.get(link))
    assert found[1] == page("queue", institution) and "Редакц" in found[2]
    # A post still in the workflow is only in the queue: back there from anywhere.
    found = back_link(client.get(page("post", institution, submitted.pk)))
    assert found[1] == page("queue", institution)
    # A published post opened from the feed goes back to the feed.
    found = back_link(client.get(page("post", institution, published.pk)))
    assert found[1] == page("feed", institution)
    # After an editorial step the page still leads back to the queue.
    step = client.post(page("post_transition", institution, submitted.pk, "approve"))
    assert step.status_code == 302 and step["Location"].endswith("?from=queue")
    assert back_link(client.get(step["Location"]))[1] == page("queue", institution)


def test_a_family_member_goes_back_to_the_feed(institution, admin_user, director, student):
    news = channel(institution, admin_user, "everyone", "Новости")
    published = post_row(news, director.user, PostState.PUBLISHED)
    url = page("post", institution, published.pk) + "?from=queue"
    found = back_link(client_of(student.user).get(url))
    assert found[1] == page("feed", institution)


def test_every_audience_is_named_in_the_plural():
    with translation.override("ru"):
        labels = {value: str(label) for value, label in Audience.choices}
    assert labels[Audience.STAFF] == "сотрудники"
    assert labels[Audience.STUDENTS] == "обучающиеся"
    assert labels[Audience.PARENTS] == "родители"
