"""What happened and what is still to do: appointments by order, the movement journal, the
to-do list of manual Sferum steps, and the append-only audit log."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .base import InstitutionOwned, Timestamped, institution_key
from .institution import Institution, Unit
from .people import Person, Role


class AdminAppointment(InstitutionOwned):
    """Appointment of a Sferum administrator by the head's order (regulation 2.1)."""

    institution = institution_key("admin_appointments")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="admin_appointments",
        verbose_name=_("person"),
    )
    order_number = models.CharField(_("order number"), max_length=50)
    order_date = models.DateField(_("order date"))
    # The order itself (regulation 2.1: attached to the registration application).
    order_file = models.FileField(
        _("order file"), upload_to="orders/appointments/%Y/", blank=True, max_length=300
    )
    # Personal data, kept only if the admin chooses to: the phone of the registration application.
    contact_phone = models.CharField(_("contact mobile phone"), max_length=20, blank=True)
    is_additional = models.BooleanField(_("additional administrator"), default=False)
    start_date = models.DateField(_("from"))
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    end_date = models.DateField(_("ended on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("administrator appointment")
        verbose_name_plural = _("administrator appointments")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "person"],
                condition=Q(end_date__isnull=True),
                name="roles_appointment_one_open_per_person",
                violation_error_message=_("This person is already an administrator."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {_('order')} № {self.order_number}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class MovementKind(models.TextChoices):
    ENROL = "enrol", _("enrolment")
    TRANSFER = "transfer", _("transfer")
    ROLE_CHANGE = "role_change", _("change of role")
    UNIT_EXIT = "unit_exit", _("leaving a unit")
    LEAVE = "leave", _("leaving")


class Movement(InstitutionOwned):
    """The journal of movement of students and staff: append-only."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="movements", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=MovementKind.choices)
    from_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from unit"),
    )
    to_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to unit"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, blank=True)
    effective_date = models.DateField(_("effective date"))
    order_number = models.CharField(_("order number"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["institution", "-effective_date"])]

    def __str__(self) -> str:
        kind = capfirst(self.get_kind_display())
        return f"{kind}: {self.person} ({self.effective_date:%d.%m.%Y})"


class TodoKind(models.TextChoices):
    REMOVE = "remove", _("remove from a Sferum unit")
    REINVITE = "reinvite", _("re-invite with a new role")
    OTHER = "other", _("other")


class TodoItem(InstitutionOwned, Timestamped):
    """Something the administrator must still do by hand inside Sferum."""

    institution = institution_key("todos")
    kind = models.CharField(_("kind"), max_length=15, choices=TodoKind.choices)
    title = models.CharField(_("what to do"), max_length=500)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="todos",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="todos",
        verbose_name=_("unit"),
    )
    movement = models.ForeignKey(
        Movement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="todos",
        verbose_name=_("movement"),
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )

    class Meta:
        verbose_name = _("to-do item")
        verbose_name_plural = _("to-do items")
        ordering = ["done_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "done_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="roles_todo_done_has_who",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


class AuditEvent(models.Model):
    """Append-only record of administrative actions and personal-data exports."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("institution"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    summary = models.CharField(_("what"), max_length=500)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        """The action in words, in the reader's language (roles.audit_actions)."""
        from ..audit_actions import label

        return label(self.action)

    @property
    def shown_summary(self) -> str:
        """The summary with its dates as dd.mm.yyyy (rows written before the dates were)."""
        return ISO_DATE.sub(r"\3.\2.\1", self.summary)
