"""The e-mails of the invitations app: the link itself, the decision on a join request and the
digest of links that expire soon (the decision on a teacher's status is `roles.services`').

Each is written with `sferum_portal.mail`: in the portal's language and the institution's time
zone, plain text that is not HTML-escaped; the subject comes from the `*_subject.txt` template
next to the body's. When they are sent is the services' business (after the commit).
"""

from roles.selectors import active_admins
from sferum_portal import links, mail


def _send(
    *, to: str, subject_template: str, body_template: str, context: dict, institution
) -> None:
    message = mail.build(
        to=to,
        body_template=body_template,
        context=context,
        subject_template=subject_template,
        tz=institution.tzinfo,
    )
    mail.send([message])


def send_invitation(*, invitation, url: str) -> None:
    _send(
        to=invitation.email,
        subject_template="invitations/email/invitation_subject.txt",
        body_template="invitations/email/invitation.txt",
        context={
            "invitation": invitation,
            "url": url,
            "admins": list(active_admins(invitation.institution)),
        },
        institution=invitation.institution,
    )


def send_join_decision(*, join_request) -> None:
    _send(
        to=join_request.email,
        subject_template="invitations/email/join_decision_subject.txt",
        body_template="invitations/email/join_decision.txt",
        context={"join_request": join_request, "base_url": links.base_url()},
        institution=join_request.institution,
    )


def send_expiry_digest(*, user, invitations) -> None:
    _send(
        to=user.email,
        subject_template="invitations/email/expiry_digest_subject.txt",
        body_template="invitations/email/expiry_digest.txt",
        context={
            "user": user,
            "invitations": invitations,
            "base_url": links.base_url(),
        },
        institution=invitations[0].institution,
    )
