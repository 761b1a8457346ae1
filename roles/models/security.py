"""What login throttling keeps: failed attempts, lifts of a lock, and one-time codes by e-mail.

No password, no path and no invitation token is stored: a failure is a login name, the client
address, the trusted device it came from (if any) and the moment.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    # As typed, folded (casefold): «Director» and «director» are one account to an attacker.
    username = models.CharField(_("login"), max_length=150)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # The id of the trusted device the attempt came from; empty for any other client.
    device = models.CharField(_("device"), max_length=32, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["address", "at"]),
            models.Index(fields=["device", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.at:%Y-%m-%d %H:%M}"


class LockScope(models.TextChoices):
    USERNAME = "username", _("login")
    ADDRESS = "address", _("address")


class LoginLift(models.Model):
    """An administrator lifted a lock: failures before this moment no longer count."""

    scope = models.CharField(_("what"), max_length=10, choices=LockScope.choices)
    value = models.CharField(_("login or address"), max_length=150)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("lifted login lock")
        verbose_name_plural = _("lifted login locks")
        ordering = ["-at"]
        indexes = [models.Index(fields=["scope", "value", "at"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.value}"


class LoginCode(models.Model):
    """A one-time code e-mailed to the owner of a locked login: with the right password it
    signs in from a new device while the login is locked for unknown devices."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("login"),
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
