"""The append-only audit log: `audit()` writes one row for an administrative action.

Every service that changes the institution's structure, roster, appointments or to-dos calls it
(and so do the other apps' services); reading the log is `roles.selectors.audit_of`.
"""

from __future__ import annotations

from django.db import models

from ..models import AuditEvent, Institution


def audit(
    *,
    institution: Institution | None,
    actor,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        institution=institution,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        summary=summary[:500],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )
