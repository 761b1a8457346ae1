"""The roster import pages: uploading a file (stored; a job reads it), the import's page at each
step (reading, the choice of columns, checking, the preview and its confirmation, importing,
done or rejected; its progress also as JSON), and the choice of columns itself."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect

from .. import selectors, services
from ..forms import RosterMappingForm, RosterUploadForm
from ..models import RosterImport, RosterImportStatus
from ..web import InstitutionView, paginate, show_as_message, show_on_form

# While a job works on the import, its page refreshes itself.
WORKING = (RosterImportStatus.READING, RosterImportStatus.PLANNING, RosterImportStatus.QUEUED)


class RosterUploadView(InstitutionView):
    action = "roster.import"

    def get(self, request, institution_id):
        return self._page(RosterUploadForm())

    def post(self, request, institution_id):
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            roster_import = services.upload_roster(
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


class RosterImportMixin:
    def get_import(self, pk) -> RosterImport:
        return get_object_or_404(RosterImport, pk=pk, institution=self.institution)

    def page(self, roster_import: RosterImport, mapping_form=None):
        if mapping_form is None and roster_import.status == RosterImportStatus.MAPPING:
            mapping_form = RosterMappingForm(
                headers=roster_import.layout["headers"],
                mapping=roster_import.mapping,
                initial={"kind": roster_import.kind},
            )
        layout = roster_import.layout or {}
        columns = []
        if mapping_form is not None:
            samples = layout.get("samples", [])
            columns = [
                (field, samples[i] if i < len(samples) else [])
                for i, field in enumerate(mapping_form.column_fields())
            ]
        return self.render(
            "roles/roster_import.html",
            roster_import=roster_import,
            progress=services.roster_import_progress(roster_import),
            in_progress=roster_import.status in WORKING,
            mapping_form=mapping_form,
            columns=columns,
            encoding=layout.get("encoding", ""),
            remembered=layout.get("remembered", False),
        )


class RosterImportView(RosterImportMixin, InstitutionView):
    action = "roster.import"

    def get(self, request, institution_id, pk):
        roster_import = self.get_import(pk)
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "status": roster_import.status,
                    "done": services.roster_import_progress(roster_import),
                    "total": roster_import.rows_total,
                }
            )
        return self.page(roster_import)

    def post(self, request, institution_id, pk):
        """Confirm the preview. People recorded as leaving need their number typed again."""
        roster_import = self.get_import(pk)
        leaving = roster_import.summary.get("ended", 0)
        typed = request.POST.get("confirm_leavers", "").strip()
        try:
            services.start_roster_import(
                roster_import=roster_import,
                by=request.user,
                confirm_leavers=bool(leaving) and typed == str(leaving),
            )
        except ValidationError as exc:
            show_as_message(request, exc)
        return redirect(
            "roles:roster_import", institution_id=self.institution.pk, pk=roster_import.pk
        )


class RosterMappingView(RosterImportMixin, InstitutionView):
    """The choice of what each column is (or, with `reopen`, back to it from the preview)."""

    action = "roster.import"

    def post(self, request, institution_id, pk):
        roster_import = self.get_import(pk)
        target = redirect(
            "roles:roster_import", institution_id=self.institution.pk, pk=roster_import.pk
        )
        if request.POST.get("reopen"):
            try:
                services.reopen_roster_mapping(roster_import=roster_import)
            except ValidationError as exc:
                show_as_message(request, exc)
            return target
        if roster_import.status != RosterImportStatus.MAPPING:
            return target
        form = RosterMappingForm(
            request.POST, headers=roster_import.layout["headers"], mapping=roster_import.mapping
        )
        if form.is_valid():
            try:
                services.choose_roster_mapping(
                    roster_import=roster_import,
                    mapping=form.mapping,
                    kind=form.cleaned_data["kind"],
                    complete=form.cleaned_data["complete"],
                    by=request.user,
                )
            except ValidationError as exc:
                show_on_form(form, exc)
            else:
                return target
        return self.page(roster_import, mapping_form=form)
