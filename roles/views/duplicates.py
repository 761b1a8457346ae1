"""Duplicates of the roster: the admin's list of likely duplicate people, and merging two of them
after a confirmation page that shows both side by side (the merge itself is
`roles.services.merge_people`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import selectors, services
from ..web import InstitutionView, error_text, paginate


class DuplicateListView(InstitutionView):
    action = "people.merge"

    def get(self, request, institution_id):
        page = paginate(request, selectors.duplicate_pairs(self.institution))
        people = selectors.people_for_comparison(
            self.institution, {pk for pair in page for pk in (pair.first, pair.second)}
        )
        rows = [
            (pair, [people[pair.first], people[pair.second]])
            for pair in page
            if pair.first in people and pair.second in people
        ]
        return self.render("roles/duplicates.html", page=page, rows=rows)


class MergeView(InstitutionView):
    """GET: both people side by side and what the merge will do; POST: merge `other` into
    `pk` (the one kept). The swap link keeps the other one instead."""

    action = "people.merge"

    def _pair(self, pk, other_pk):
        keep, remove = self.get_person(pk), self.get_person(other_pk)
        people = selectors.people_for_comparison(self.institution, [keep.pk, remove.pk])
        return people[keep.pk], people[remove.pk]

    def get(self, request, institution_id, pk, other_pk):
        keep, remove = self._pair(pk, other_pk)
        try:
            services.check_mergeable(keep=keep, remove=remove)
        except ValidationError as exc:
            refusal = error_text(exc)
        else:
            refusal = ""
        return self.render(
            "roles/merge_confirm.html",
            keep=keep,
            remove=remove,
            refusal=refusal,
            swap_url=reverse("roles:merge", args=[self.institution.pk, remove.pk, keep.pk]),
        )

    def post(self, request, institution_id, pk, other_pk):
        keep, remove = self._pair(pk, other_pk)
        removed_name = remove.full_name
        try:
            kept = services.merge_people(keep=keep, remove=remove, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect(
                "roles:merge", institution_id=self.institution.pk, pk=pk, other_pk=other_pk
            )
        messages.success(
            request,
            _("%(removed)s is merged into %(kept)s.") % {"removed": removed_name, "kept": kept},
        )
        return redirect("roles:person", institution_id=self.institution.pk, pk=kept.pk)
