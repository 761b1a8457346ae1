import logging
import os

from celery import Celery
from kombu.exceptions import OperationalError as BrokerError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sferum_portal.settings")

app = Celery("sferum_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# A page that queues a job waits at most about a second for a broker that is down.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def task_named(name: str):
    """The registered task of that name ("roles.tasks.apply_roster_import").

    Services send jobs by name so that they never import a tasks module (tasks import services).
    The task comes from the app's registry, so eager mode and the broker-down fallback apply.
    """
    try:
        return app.tasks[name]
    except KeyError:
        # Autodiscovery is lazy: outside a worker the tasks modules may not be imported yet.
        app.loader.import_default_modules()
        return app.tasks[name]


def publish(name: str, *args) -> bool:
    """Send the task `name` with `args` to the broker; False (and a warning in the log) when it
    is unreachable.

    Never raises for a broker outage, so that a page that queues a job does not fail: the
    caller decides what happens to a job that could not be sent (a queued row that is sent
    again later, or the work done at once). An unknown name is a programming error and raises.
    """
    task = task_named(name)
    try:
        task.apply_async(args=args, retry_policy=PUBLISH_RETRY)
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.warning("Broker unreachable, task %s not sent: %s", name, exc)
        return False
    return True
