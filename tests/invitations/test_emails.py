"""The e-mails of the invitations app are plain text: what was typed arrives as typed."""

from django.core import mail

from roles.models import Role, UnitKind

from ..factories import make_unit
from .helpers import issue


def test_an_invitation_email_is_not_html_escaped(
    institution, admin_user, django_capture_on_commit_callbacks
):
    unit = make_unit(institution, UnitKind.CLASS, 'Кружок "Роботы" & K°')
    with django_capture_on_commit_callbacks(execute=True):
        issue(unit, Role.PARENT, admin_user, email="mother@example.org")

    (message,) = mail.outbox
    assert 'Кружок "Роботы" & K°' in message.body
    assert "&quot;" not in message.body and "&amp;" not in message.body
    assert "&quot;" not in message.subject and "\n" not in message.subject
