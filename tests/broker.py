"""A broker that is down, for the tests of what pages and jobs do meanwhile."""

from collections.abc import Iterator
from contextlib import contextmanager

# Nothing listens here: publishing is refused at once, as with Redis stopped.
DEAD_BROKER = "redis://127.0.0.1:1/0"


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Celery publishes for real (not eagerly) to a broker address that refuses connections.

    The write URL is the one publishing uses (CELERY_BROKER_URL in the environment would win
    over the broker URL); the app's connection and producer pools are made afresh for it.
    """
    from sferum_portal.celery import app

    conf = app.conf
    saved = (conf.task_always_eager, conf.get("broker_write_url"), app._pool)
    saved_producers = app.amqp._producer_pool
    conf.task_always_eager = False
    conf.broker_write_url = DEAD_BROKER
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_write_url, app._pool = saved
        app.amqp._producer_pool = saved_producers
