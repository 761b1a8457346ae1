"""The demo data of the channels app."""

from django.core.management import call_command

from channels_app.models import (
    Channel,
    ChannelAuthor,
    Event,
    EventKind,
    Post,
    PostHistory,
    SupportRequest,
)
from roles.models import TodoItem


def test_seed_demo_adds_channels_posts_events_and_support_once(db):
    from django.utils import timezone

    call_command("seed_demo", verbosity=0)
    assert Channel.objects.count() >= 3
    states = set(Post.objects.values_list("state", flat=True))
    assert len(states) >= 6, states
    now = timezone.now()
    for kind in EventKind.values:
        assert Event.objects.filter(kind=kind, starts_at__lt=now).exists(), f"no past {kind}"
        assert Event.objects.filter(kind=kind, starts_at__gt=now).exists(), f"no future {kind}"
    assert SupportRequest.objects.exists()
    assert ChannelAuthor.objects.exists()

    def counts():
        return [
            m.objects.count()
            for m in (Channel, Post, PostHistory, Event, SupportRequest, ChannelAuthor, TodoItem)
        ]

    before = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == before
