"""The e-mails of the invitations app, in the portal's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from roles.selectors import active_admins


def _send(
    *, to: str, subject_template: str, body_template: str, context: dict, institution
) -> None:
    with translation.override(settings.LANGUAGE_CODE), timezone.override(institution.tzinfo):
        subject = render_to_string(subject_template, context).strip()
        body = render_to_string(body_template, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


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
        context={"join_request": join_request, "base_url": settings.PORTAL_BASE_URL},
        institution=join_request.institution,
    )


def send_verification_decision(*, person, address: str, approved: bool, note: str) -> None:
    _send(
        to=address,
        subject_template="invitations/email/verification_subject.txt",
        body_template="invitations/email/verification.txt",
        context={"person": person, "approved": approved, "note": note},
        institution=person.institution,
    )


def send_expiry_digest(*, user, invitations) -> None:
    _send(
        to=user.email,
        subject_template="invitations/email/expiry_digest_subject.txt",
        body_template="invitations/email/expiry_digest.txt",
        context={
            "user": user,
            "invitations": invitations,
            "base_url": settings.PORTAL_BASE_URL,
        },
        institution=invitations[0].institution,
    )
