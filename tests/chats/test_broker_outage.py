""" "Remind the teachers" pressed while the broker is down: the reminders go out all the same."""

from django.core import mail

from chats.models import ChatReminder

from ..broker import broker_unreachable
from .helpers import page
from .test_services import staffed  # noqa: F401


def test_reminders_requested_with_the_broker_down_are_sent_in_the_request(
    institution,
    staffed,  # noqa: F811
    admin_client,
    django_capture_on_commit_callbacks,
):
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(page("remind", institution))

    assert response.status_code == 302
    assert response["Location"] == page("board", institution)
    assert [m.to for m in mail.outbox] == [["gaps@example.org"]]
    assert ChatReminder.objects.count() == 1
