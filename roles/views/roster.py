"""The roster import pages: uploading a file (the preview) and the import itself (confirming it,
its progress as a page or as JSON)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect

from .. import selectors, services
from ..forms import RosterUploadForm
from ..models import RosterImport, RosterImportStatus
from ..web import InstitutionView, paginate, show_as_message


class RosterUploadView(InstitutionView):
    action = "roster.import"

    def get(self, request, institution_id):
        return self._page(RosterUploadForm())

    def post(self, request, institution_id):
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            roster_import = services.preview_roster_import(
                institution=self.institution,
                data=upload.read(),
                filename=upload.name,
                by=request.user,
            )
            return redirect(
                "roles:roster_import", institution_id=self.institution.pk, pk=roster_import.pk
            )
        return self._page(form)

    def _page(self, form):
        return self.render(
            "roles/roster_upload.html",
            form=form,
            imports=paginate(self.request, selectors.roster_imports_of(self.institution), 10),
        )


class RosterImportView(InstitutionView):
    action = "roster.import"

    def get(self, request, institution_id, pk):
        roster_import = self._get(pk)
        progress = services.roster_import_progress(roster_import)
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "status": roster_import.status,
                    "done": progress,
                    "total": roster_import.rows_total,
                }
            )
        return self.render(
            "roles/roster_import.html",
            roster_import=roster_import,
            progress=progress,
            in_progress=roster_import.status == RosterImportStatus.QUEUED,
        )

    def post(self, request, institution_id, pk):
        roster_import = self._get(pk)
        try:
            services.start_roster_import(
                roster_import=roster_import,
                by=request.user,
                confirm_leavers=bool(request.POST.get("confirm_leavers")),
            )
        except ValidationError as exc:
            show_as_message(request, exc)
        return redirect(
            "roles:roster_import", institution_id=self.institution.pk, pk=roster_import.pk
        )

    def _get(self, pk):
        return get_object_or_404(RosterImport, pk=pk, institution=self.institution)
