"""Invitation links, their uses and join requests: data and invariants only."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from roles.models import (
    Institution,
    InstitutionOwned,
    Membership,
    Person,
    Role,
    SferumRoleMixin,
    Timestamped,
    Unit,
    UnitKind,
    institution_key,
)
from roles.permissions import FAMILY, STAFF_MEMBERS

MAX_TTL_DAYS = 90

# Which roles an invitation may carry into each kind of unit.
INVITABLE_ROLES: dict[str, frozenset[str]] = {
    # Director, deputy, teacher (the admin role comes from an appointment by order, no link).
    UnitKind.STAFF_ROOM: STAFF_MEMBERS,
    UnitKind.DEPARTMENT: frozenset({Role.TEACHER}),
    UnitKind.CLASS: FAMILY | {Role.TEACHER},
}
# Roles that join with one confirmation and no password (minors and their parents).
PASSWORDLESS_ROLES: frozenset[str] = FAMILY


class InvitationPolicy(models.Model):
    """Per-institution defaults (absent: the defaults below)."""

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="invitation_policy"
    )
    default_ttl_days = models.PositiveSmallIntegerField(
        _("links are valid for, days"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TTL_DAYS)],
    )
    unclaimed_after_days = models.PositiveSmallIntegerField(
        _("annul unused links after, days"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("invitation policy")
        verbose_name_plural = _("invitation policies")

    def __str__(self) -> str:
        return str(self.institution)


class Status(models.TextChoices):
    ACTIVE = "active", _("active")
    USED_UP = "used_up", _("used up")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class RevokeReason(models.TextChoices):
    MANUAL = "manual", _("revoked by hand")
    UNCLAIMED = "unclaimed", _("annulled as unclaimed")
    PERSON_LEFT = "person_left", _("the person left")
    REISSUED = "reissued", _("replaced by a new link")


class InvitationQuerySet(models.QuerySet):
    """Statuses as filters: derived from the fields, at the moment asked."""

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def used_up(self):
        return self.filter(revoked_at__isnull=True, max_uses__isnull=False).filter(
            uses_count__gte=F("max_uses")
        )

    def expired(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__lte=now).exclude(
            max_uses__isnull=False, uses_count__gte=F("max_uses")
        )

    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now).filter(
            Q(max_uses__isnull=True) | Q(uses_count__lt=F("max_uses"))
        )

    def with_status(self, status: str, now=None):
        return {
            Status.ACTIVE: self.active,
            Status.USED_UP: lambda now=None: self.used_up(),
            Status.EXPIRED: self.expired,
            Status.REVOKED: lambda now=None: self.revoked(),
        }[status](now)


class Invitation(SferumRoleMixin, InstitutionOwned, Timestamped):
    """A link into a unit in a role (its `institution`, related name `invitations`, and
    `created_at` come from the base models)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # A personal link leads one roster person in; otherwise anybody with the link may use it.
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("person"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # A personal link printed on a QR sheet also has a short code to type by hand
    # (sferum_portal.tokens): its keyed hash, or "" for a link without one.
    short_code_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    max_uses = models.PositiveIntegerField(
        _("uses allowed"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    uses_count = models.PositiveIntegerField(_("times used"), default=0)
    needs_approval = models.BooleanField(_("joining needs approval"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(
        _("reason"), max_length=15, choices=RevokeReason.choices, blank=True
    )
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    # When the expiry job first saw the link past its expiry (the status never depends on it).
    expiry_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the creator was warned that the link expires soon: never twice.
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The person's name, the address and the note, lower-case with «ё» as «е» (see Person).
    search_key = models.CharField(max_length=800, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "-created_at"]),
            models.Index(fields=["expires_at"]),
            models.Index(fields=["unit", "role"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="invitations_max_uses_positive",
            ),
            models.UniqueConstraint(
                fields=["short_code_hash"],
                condition=~Q(short_code_hash=""),
                name="invitations_short_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses_count__lte=F("max_uses")),
                name="invitations_uses_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoke_reason=""),
                name="invitations_revoked_has_reason",
            ),
        ]

    def __str__(self) -> str:
        who = self.person.short_name if self.person_id else self.email or _("anyone with the link")
        return f"{self.unit} — {self.get_role_display()} — {who}"

    def status_at(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.max_uses is not None and self.uses_count >= self.max_uses:
            return Status.USED_UP
        if self.expires_at <= now:
            return Status.EXPIRED
        return Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return Status(self.status).label

    @property
    def is_personal(self) -> bool:
        return self.person_id is not None


class InvitationUse(models.Model):
    """Every use of a link: who and when."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, related_name="uses", verbose_name=_("invitation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    join_request = models.ForeignKey(
        "JoinRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    used_at = models.DateTimeField(_("used"), default=timezone.now)

    class Meta:
        verbose_name = _("use of an invitation")
        verbose_name_plural = _("uses of invitations")
        ordering = ["-used_at", "-id"]

    def __str__(self) -> str:
        return f"{self.invitation_id} @ {self.used_at:%Y-%m-%d %H:%M}"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", pgettext_lazy("join request", "rejected")


class JoinRequest(InstitutionOwned):
    """Somebody used a class-wide link that needs the administrator's approval."""

    institution = institution_key("join_requests")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, related_name="join_requests"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="join_requests")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    child_name = models.CharField(_("child's name"), max_length=300, blank=True)
    # Parents may leave an address for the decision; nothing is kept for students.
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="join_requests",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="join_requests",
        verbose_name=_("roster person"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["institution", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="student") | Q(email=""),
                name="invitations_joinrequest_no_student_email",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="invitations_joinrequest_decided_has_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} → {self.unit}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)


class SignInStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    USED = "used", _("used")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class SignInLink(InstitutionOwned, Timestamped):
    """A way back in for a student or parent without a password (DESIGN §5): issued by the
    admin or the director for a person who has a login, single-use, short-lived, revocable.
    Only the SHA-256 of its token is kept."""

    institution = institution_key("signin_links")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="signin_links", verbose_name=_("person")
    )
    # The login it signs in: the person's at the moment of issue. If the person's login
    # changes, the link no longer works.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("login"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitations_signin_used_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.short_name} — {self.get_status_display()}"

    def status_at(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return SignInStatus.REVOKED
        if self.used_at is not None:
            return SignInStatus.USED
        if self.expires_at <= now:
            return SignInStatus.EXPIRED
        return SignInStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return SignInStatus(self.status).label
