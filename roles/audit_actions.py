"""The audit log's actions in words: every app's action codes, as the log and its exports show
them, and the sections the log is filtered by.

The codes are written by the services of every app (`roles.services.audit(action=...)`); they
stay English identifiers in the database, and a reader sees the words. An unknown code is shown
as it is, so that a new action is never hidden.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models.journal import MovementKind

ACTIONS = {
    "appointment.create": _("Administrator appointed"),
    "appointment.end": _("Administrator's appointment ended"),
    "channel.create": _("Channel created"),
    "channel.update": _("Channel changed"),
    "channel.archive": _("Channel archived"),
    "channel.author_allow": _("Allowed to write posts"),
    "channel.author_remove": _("No longer allowed to write posts"),
    "chat.register": _("Chat registered"),
    "chat.update": _("Chat changed"),
    "chat.archive": _("Chat archived"),
    "chat.bot_match": _("MAX chat matched"),
    "chat.bot_sync": _("Synchronised with MAX"),
    "chat.bot_token_set": _("MAX bot token set"),
    "chat.bot_token_removed": _("MAX bot token removed"),
    "chat.member_decided": _("Chat member matched by hand"),
    "chat.member_left": _("A leaver is still in chats"),
    "chat.reconcile": _("Chat members reconciled"),
    "chat.release": _("Chats need a new owner"),
    "chat.remind": _("Teachers reminded of missing chats"),
    "event.create": _("Event planned"),
    "event.update": _("Event changed"),
    "event.cancel": _("Event cancelled"),
    "event.held": _("Event held"),
    "event.remind": _("Event reminders sent"),
    "institution.create": _("Institution created"),
    "institution.update": _("Institution's details changed"),
    "invitation.create": _("Invitation link issued"),
    "invitation.accept": _("Joined by an invitation link"),
    "invitation.policy": _("Invitation settings changed"),
    "invitation.revoke": _("Invitation link revoked"),
    "invitation.revoke_person": _("A leaver's invitation links revoked"),
    "invitation.revoke_unit": _("A unit's unused invitation links revoked"),
    "invitation.send": _("Invitation link sent by e-mail"),
    "joinrequest.create": _("Join request received"),
    "joinrequest.approve": _("Join request approved"),
    "joinrequest.reject": _("Join request rejected"),
    "login.lift": _("Login lock lifted"),
    "person.create": _("Person added"),
    "person.update": _("Person's details changed"),
    "person.guardian_link": _("Parent and child linked"),
    "person.merge": _("Duplicates merged"),
    "person.relink": _("Person's login replaced"),
    "post.publish": _("Post published"),
    "post.schedule": _("Post scheduled"),
    "roster.upload": _("Roster file uploaded"),
    "roster.mapping": _("Roster columns chosen"),
    "roster.import": _("Roster imported"),
    "signin.issue": _("Sign-in link issued"),
    "signin.use": _("Signed in by a sign-in link"),
    "signin.revoke": _("Sign-in link revoked"),
    "support.create": _("Support request recorded"),
    "support.update": _("Support request changed"),
    "teacher.verify": _("«Teacher» status decided"),
    "todo.done": _("To-do done"),
    "todo.reopen": _("To-do reopened"),
    "unit.create": _("Unit created"),
    "unit.update": _("Unit changed"),
    "unit.archive": _("Unit archived"),
}

# The log's filter: a section is a code prefix ("export" stands for every list's export).
SECTIONS = [
    ("appointment.", _("administrators")),
    ("channel.", _("channels")),
    ("chat.", _("chats")),
    ("event.", _("events")),
    ("export", _("exports of lists")),
    ("institution.", pgettext_lazy("audit section", "institution")),
    ("invitation.", _("invitation links")),
    ("joinrequest.", _("join requests")),
    ("login.", _("login locks")),
    ("movement.", _("movements")),
    ("person.", _("people")),
    ("post.", _("posts")),
    ("roster.", _("roster import")),
    ("signin.", _("sign-in links")),
    ("support.", _("technical support")),
    ("teacher.", _("«teacher» status")),
    ("todo.", _("to-do")),
    ("unit.", _("units")),
]


def label(action: str) -> str:
    """The action in words ("movement.enrol" → «Зачисление»); an unknown code as it is."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    section, _dot, rest = action.partition(".")
    if section == "movement" and rest in MovementKind.values:
        return capfirst(str(MovementKind(rest).label))
    if rest == "export":
        return str(_("List exported"))
    return action
