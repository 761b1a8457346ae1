"""The audit log page (filtered, paged)."""

from __future__ import annotations

from .. import selectors
from ..filters import AuditFilter
from ..web import InstitutionView, paginate


class AuditListView(InstitutionView):
    action = "audit.view"

    def get(self, request, institution_id):
        audit_filter = AuditFilter(request.GET, queryset=selectors.audit_of(self.institution))
        return self.render(
            "roles/audit_list.html", filter=audit_filter, page=paginate(request, audit_filter.qs)
        )
