"""A second press of «Напомнить учителям» says that nothing was sent, and why (issue 13,
item 10)."""

from django.conf import settings
from django.core import mail

from chats.models import ChatReminder

from .helpers import page, ru
from .test_services import remind, staffed  # noqa: F401


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_second_press_says_nothing_was_sent(
    job_worker,
    institution,
    staffed,  # noqa: F811
    admin_client,
):
    first = remind(admin_client, institution)  # waits for the job
    assert first.status_code == 302
    assert len(mail.outbox) == 1
    shown = messages_of(admin_client.get(page("board", institution)))
    assert any("1" in m and "учител" in m for m in shown), shown

    second = admin_client.post(page("remind", institution), follow=True)
    assert len(mail.outbox) == 1 and ChatReminder.objects.count() == 1
    shown = messages_of(second)
    assert any(m.startswith("Ничего не отправлено") for m in shown), shown
    assert not any("отправляются" in m or "отправляется" in m for m in shown), shown
    # Says why: one reminded already, one without an address.
    expected = ru(
        "Nothing was sent: the teachers with missing chats were already reminded within "
        "%(days)s days (%(recent)s) or have no e-mail (%(no_address)s).",
        days=settings.CHAT_REMINDER_INTERVAL_DAYS,
        recent=1,
        no_address=1,
    )
    assert expected in shown, shown


def test_nobody_to_remind_says_so_at_the_first_press(institution, admin_client):
    """The admin of the fixture has missing chats but no e-mail: nothing can be sent."""
    response = admin_client.post(page("remind", institution), follow=True)
    assert response.status_code == 200
    [shown] = messages_of(response)
    assert shown.startswith("Ничего не отправлено")
    assert mail.outbox == []
