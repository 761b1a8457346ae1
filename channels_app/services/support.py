"""The log of requests to Sferum's technical support: recording and changing them.

The e-mail to support and the registration application are read in `channels_app.selectors`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from roles import permissions as role_permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Institution
from sferum_portal.editing import assign_fields

from ..models import SupportRequest, SupportStatus


def _check_support(request: SupportRequest) -> None:
    errors = {}
    if request.status != SupportStatus.DRAFT and request.sent_on is None:
        errors["sent_on"] = _("Enter the date the request was sent.")
    if request.status == SupportStatus.RESOLVED and not request.resolution.strip():
        errors["resolution"] = _("Describe how the problem was solved.")
    if request.sent_on and request.sent_on > request.institution.local_today():
        errors["sent_on"] = _("The date of sending is in the future.")
    if errors:
        raise RuleBroken(errors)


# What the admin records and changes of a request.
SUPPORT_FIELDS = ("subject", "description", "sent_on", "ticket_number", "status", "resolution")


def _check_manage(by, institution: Institution) -> None:
    if not role_permissions.can(by, "support.manage", institution):
        raise NotAllowed(
            _("Only the institution's administrator keeps the log of support requests.")
        )


@transaction.atomic
def create_support_request(
    *, institution: Institution, subject: str, description: str, by, **fields
) -> SupportRequest:
    _check_manage(by, institution)
    request = SupportRequest(
        institution=institution,
        subject=subject.strip(),
        description=description.strip(),
        created_by=by,
        **{k: v for k, v in fields.items() if k in SUPPORT_FIELDS},
    )
    _check_support(request)
    if request.status in (SupportStatus.RESOLVED, SupportStatus.CLOSED):
        request.resolved_on = institution.local_today()
    request.full_clean()
    request.save()
    roles_services.audit(
        institution=institution,
        actor=by,
        action="support.create",
        summary=_("Support request recorded: %(subject)s") % {"subject": request.subject},
        obj=request,
    )
    return request


@transaction.atomic
def update_support_request(*, request: SupportRequest, by, **fields) -> SupportRequest:
    """Change the fields given (any of SUPPORT_FIELDS; another name is a TypeError)."""
    _check_manage(by, request.institution)
    request = SupportRequest.objects.select_for_update().get(pk=request.pk)
    was_open = request.status not in (SupportStatus.RESOLVED, SupportStatus.CLOSED)
    assign_fields(request, fields, SUPPORT_FIELDS)
    _check_support(request)
    closed = request.status in (SupportStatus.RESOLVED, SupportStatus.CLOSED)
    if closed and was_open:
        request.resolved_on = request.institution.local_today()
    elif not closed:
        request.resolved_on = None
    request.full_clean()
    request.save()
    roles_services.audit(
        institution=request.institution,
        actor=by,
        action="support.update",
        summary=_("Support request changed: %(subject)s (%(status)s)")
        % {"subject": request.subject, "status": request.get_status_display()},
        obj=request,
    )
    return request
