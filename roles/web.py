"""The web kit every app's views stand on, so that no app imports another app's views.

- `InstitutionView`: the institution from the URL among the user's own (others: 404), the one
  action the view names checked in `roles.permissions`, the institution's time zone activated.
- Refusals (`roles.errors`) reach the user in one way: `show_on_form` puts a service's refusal on
  the form's fields (or above it), `show_as_message` flashes it; one that no view catches is a
  403 (`NotAllowed`) or a page saying why (`RuleBroken`, 409), never a 500.
- `paginate`, `drawn` (a part of a page kept in the cache), `current_institution`,
  `CurrentInstitutionRedirect`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from sferum_portal import mail

from . import permissions
from .errors import NotAllowed, RuleBroken
from .models import Person, Unit


def paginate(request, queryset, per_page: int | None = None):
    paginator = Paginator(queryset, per_page or settings.PORTAL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # Loaded here, in the view: the template that shows the page runs no query.
    page.object_list = list(page.object_list)
    return page


# A drawn part of a page is kept at most this long (its key changes with what it shows).
DRAWN_SECONDS = 60


def drawn(request, parts: dict[str, tuple[str, str, Callable[[], dict]]]) -> dict[str, str]:
    """Parts of a page, name -> (key, template, load): each drawn from `load()` with its
    template and kept in the cache under its key, a key that changes with everything the part
    shows (an institution's stamp, the language). A view that finds a part kept neither loads
    nor draws it; all are looked up at once. A part holds no form: a CSRF token is the user's
    own."""
    keys = {name: f"portal-drawn:{key}" for name, (key, _t, _l) in parts.items()}
    found = cache.get_many(list(keys.values()))
    missing = {}
    for name, (_key, template, load) in parts.items():
        if keys[name] not in found:
            # Loaded before the template draws it: the template runs no query.
            missing[keys[name]] = render_to_string(template, load(), request)
    if missing:
        cache.set_many(missing, DRAWN_SECONDS)
    # Drawn by our templates, escaped there.
    return {name: mark_safe({**found, **missing}[key]) for name, key in keys.items()}


# The largest id a database column holds (a bigint): a longer number is no id of ours.
MAX_ID = 2**63 - 1


def id_param(request, name: str) -> int | None:
    """A query parameter that names an object by its id: None unless it is one (a typed
    "x", "-1" or a 30-digit number must not reach the database as a filter)."""
    value = request.GET.get(name, "")
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def show_on_form(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: on the fields it names, the rest above the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def show_as_message(request, exc: ValidationError) -> None:
    """A service's refusal of a one-button action (no form to show it on)."""
    messages.error(request, error_text(exc))


class InstitutionView(View):
    """Loads the institution from the URL among the user's own (others: 404), checks `action`."""

    action: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.institution = permissions.find_institution(request.user, kwargs["institution_id"])
        if self.institution is None:
            raise Http404
        if not permissions.can(request.user, self.action, self.institution):
            raise PermissionDenied
        remember_institution(request, self.institution)
        collecting = mail.collect_failures()
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotAllowed as exc:
            raise PermissionDenied(error_text(exc)) from exc
        except RuleBroken as exc:
            return render(
                request,
                "refused.html",
                {"institution": self.institution, "message": error_text(exc)},
                status=409,
            )
        finally:
            failed = mail.failed_addresses(collecting)
            if failed:
                # The change is made; the e-mail about it is not: say so, on the next page.
                messages.warning(
                    request,
                    _("The e-mail to %(addresses)s could not be sent; tell them yourself.")
                    % {"addresses": ", ".join(sorted(set(failed)))},
                )

    def render(self, template: str, **context):
        context.setdefault("institution", self.institution)
        return render(self.request, template, context)

    def form_page(self, form, *, title: str, cancel_url: str, intro: str = "", submit: str = ""):
        return self.render(
            "roles/form.html",
            form=form,
            title=title,
            cancel_url=cancel_url,
            intro=intro,
            submit=submit or _("Save"),
        )

    def get_unit(self, pk) -> Unit:
        return get_object_or_404(Unit, pk=pk, institution=self.institution)

    def get_person(self, pk) -> Person:
        person = get_object_or_404(Person, pk=pk, institution=self.institution)
        person.institution = self.institution  # the same row: not read again
        return person


def current_institution(request):
    """The institution the user works in now: ?institution=, then the session, then the first."""
    for candidate in (request.GET.get("institution"), request.session.get("institution_id")):
        if candidate and str(candidate).isdigit() and int(candidate) <= MAX_ID:
            found = permissions.find_institution(request.user, int(candidate))
            if found is not None:
                _keep_in_session(request, found.pk)
                return found
    if request.user.is_superuser:
        found = permissions.institutions_for(request.user).order_by("pk").first()
    else:
        institutions = permissions.institution_list(request.user)
        found = min(institutions, key=lambda i: i.pk) if institutions else None
    if found is not None:
        _keep_in_session(request, found.pk)
    return found


def _keep_in_session(request, institution_id: int) -> None:
    # Only a change is written: assigning marks the session modified, and a modified session
    # is an UPDATE of its row at the end of every request (the dashboard's, /stats/'s, ...).
    if request.session.get("institution_id") != institution_id:
        request.session["institution_id"] = institution_id


def remember_institution(request, institution) -> None:
    """The institution the user works in: its time zone for display, kept in the session."""
    timezone.activate(institution.tzinfo)
    _keep_in_session(request, institution.pk)


class CurrentInstitutionRedirect(View):
    """`/invitations/`, `/chats/`: the page of the institution the user works in."""

    pattern_name = ""

    def get(self, request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        institution = current_institution(request)
        if institution is None:
            return redirect("home")
        return redirect(self.pattern_name, institution_id=institution.pk)
