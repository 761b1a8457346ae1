"""Logging in while a login is locked for unknown devices (a code by e-mail), and the
administrator's page of locks (see `roles.login`)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from .. import selectors, services
from ..forms_base import PortalForm
from ..login import codes, throttle
from ..login.backends import BACKEND
from ..models import LockScope
from ..web import InstitutionView


class CodeRequestForm(PortalForm):
    username = forms.CharField(label=gettext_lazy("login"), max_length=150)


class CodeLoginForm(PortalForm):
    username = forms.CharField(label=gettext_lazy("login"), max_length=150)
    password = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput)
    code = forms.CharField(
        label=gettext_lazy("code from the e-mail"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class LoginWithCodeView(View):
    """/accounts/login/code/: ask for a code, then log in with it and the password."""

    template = "registration/login_code.html"

    def get(self, request):
        initial = {"username": request.GET.get("username", "")[:150]}
        return self._page(CodeRequestForm(initial=initial), CodeLoginForm(initial=initial))

    def post(self, request):
        if request.POST.get("action") == "send":
            form = CodeRequestForm(request.POST)
            if form.is_valid():
                codes.send_code(username=form.cleaned_data["username"])
                messages.info(
                    request,
                    _(
                        "If this login has an e-mail address, a code has been sent to it. "
                        "It is valid for %(minutes)d minutes."
                    )
                    % {"minutes": settings.LOGIN_CODE_MINUTES},
                )
                return self._page(
                    form, CodeLoginForm(initial={"username": form.cleaned_data["username"]})
                )
            return self._page(form, CodeLoginForm())
        form = CodeLoginForm(request.POST)
        if form.is_valid():
            user = codes.check_code(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
            if user is not None:
                login(request, user, backend=BACKEND)
                request.login_trusted_user = user  # this browser becomes a known device
                target = request.POST.get("next", "")
                if not url_has_allowed_host_and_scheme(
                    target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                ):
                    target = reverse("home")
                return redirect(target)
            form.add_error(None, _("The code or the password is wrong, or the code has expired."))
        return self._page(
            CodeRequestForm(initial={"username": request.POST.get("username", "")}), form
        )

    def _page(self, request_form, login_form):
        return render(
            self.request,
            self.template,
            {
                "request_form": request_form,
                "login_form": login_form,
                "next": self.request.GET.get("next", ""),
            },
        )


class LoginLockListView(InstitutionView):
    """Logins of this institution (and the addresses that failed against them) refused to
    unknown clients now; the administrator lifts a lock here."""

    action = "login.locks"

    def get(self, request, institution_id):
        usernames = None if request.user.is_superuser else selectors.usernames_of(self.institution)
        return self.render(
            "roles/login_locks.html",
            locks=throttle.current_locks(usernames=usernames),
            window_minutes=settings.LOGIN_WINDOW_MINUTES,
            limits={
                "username": settings.LOGIN_USERNAME_FAILURES,
                "address": settings.LOGIN_ADDRESS_FAILURES,
            },
        )

    def post(self, request, institution_id):
        scope, value = request.POST.get("scope", ""), request.POST.get("value", "")
        usernames = None if request.user.is_superuser else selectors.usernames_of(self.institution)
        shown = {(lock.scope, lock.value) for lock in throttle.current_locks(usernames=usernames)}
        if scope not in LockScope.values or (scope, value) not in shown:
            messages.error(request, _("This lock is no longer in force."))
        else:
            services.lift_login_lock(
                institution=self.institution, scope=scope, value=value, by=request.user
            )
            messages.success(request, _("The lock is lifted: %(value)s") % {"value": value})
        return redirect("roles:login_locks", institution_id=self.institution.pk)
