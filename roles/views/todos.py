"""The to-do list of manual Sferum steps: the list and ticking a step off (or reopening it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .. import selectors, services
from ..models import TodoItem
from ..web import InstitutionView, paginate


class TodoListView(InstitutionView):
    action = "todo.manage"

    def get(self, request, institution_id):
        show_done = request.GET.get("show") == "done"
        todos = selectors.todos_of(self.institution, done=show_done)
        return self.render(
            "roles/todo_list.html", page=paginate(request, todos), show_done=show_done
        )


class TodoDoneView(InstitutionView):
    action = "todo.manage"

    def post(self, request, institution_id, pk):
        todo = get_object_or_404(TodoItem, pk=pk, institution=self.institution)
        if request.POST.get("reopen"):
            services.reopen_todo(todo=todo, by=request.user)
        else:
            services.complete_todo(todo=todo, by=request.user)
            messages.success(request, _("Marked as done: %(title)s") % {"title": todo.title})
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("roles:todos", args=[self.institution.pk])
        return HttpResponseRedirect(target)
