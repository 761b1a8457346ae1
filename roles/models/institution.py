"""The institution and its structure: the staff room, departments and classes."""

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import InstitutionOwned, Timestamped


class User(AbstractUser):
    """The login. Everything about a person in an institution lives on `Person`."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        """The person's name in lists («Смирнова Ольга»); a login without a name is named by
        its roster entry, and shown as the login only when it has none."""
        name = " ".join(n for n in (self.last_name, self.first_name) if n)
        if not name and self.pk is not None:
            # A list prefetches `people` (one query for the page, not one per row).
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("people")
            if prefetched is not None:
                person = min(prefetched, key=lambda p: p.pk, default=None)
            else:
                person = self.people.order_by("pk").first()
            name = person.full_name if person is not None else ""
        return name or self.username


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


inn_validator = RegexValidator(
    r"^(\d{10}|\d{12})$", _("The INN consists of 10 digits (or 12 for an individual).")
)


class Institution(Timestamped):
    name = models.CharField(_("full name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[inn_validator])
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    # The order «Об использовании ИКОП «Сферум» и учебного профиля VK-мессенджер» (regulation 2.2).
    usage_order_number = models.CharField(_("order number"), max_length=50, blank=True)
    usage_order_date = models.DateField(_("order date"), null=True, blank=True)
    usage_order_file = models.FileField(
        _("order file"), upload_to="orders/%Y/", blank=True, max_length=300
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def timezone_label(self) -> str:
        """«Москва (UTC+3)»: the zone as people in Russia name it."""
        from ..timezones import label

        return label(self.timezone)

    def local_today(self):
        return timezone.now().astimezone(self.tzinfo).date()


class UnitKind(models.TextChoices):
    STAFF_ROOM = "staff_room", _("staff room")
    DEPARTMENT = "department", _("department")
    CLASS = "class", _("class")


def validate_academic_year(value: str) -> None:
    """ "2026/2027": two consecutive years."""
    parts = value.split("/")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise ValidationError(_("Enter the academic year as 2026/2027."), code="format")
    if int(parts[1]) != int(parts[0]) + 1:
        raise ValidationError(_("The second year must follow the first."), code="sequence")


class UnitQuerySet(models.QuerySet):
    def delete(self):
        # The staff room is part of the institution: a bulk delete must not remove it either.
        if self.filter(kind=UnitKind.STAFF_ROOM).exists():
            raise models.ProtectedError(
                _("The staff room cannot be deleted."), set(self.filter(kind=UnitKind.STAFF_ROOM))
            )
        return super().delete()

    def active(self):
        return self.filter(archived_at__isnull=True)


class Unit(InstitutionOwned, Timestamped):
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=200)
    academic_year = models.CharField(
        _("academic year"), max_length=9, blank=True, validators=[validate_academic_year]
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(kind="staff_room"),
                name="roles_unit_one_staff_room_per_institution",
                violation_error_message=_("The institution already has a staff room."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="staff_room") | Q(archived_at__isnull=True),
                name="roles_unit_staff_room_never_archived",
                violation_error_message=_("The staff room cannot be archived."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="class") | ~Q(academic_year=""),
                name="roles_unit_class_has_academic_year",
                violation_error_message=_("A class needs an academic year."),
            ),
            models.UniqueConstraint(
                fields=["institution", "kind", "name", "academic_year"],
                condition=Q(archived_at__isnull=True),
                name="roles_unit_unique_active_name",
                violation_error_message=_("A unit with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == UnitKind.CLASS and self.academic_year:
            return f"{self.name} ({self.academic_year})"
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Unit.objects.filter(pk=self.pk).values_list("kind", flat=True).first()
            if stored is not None and stored != self.kind:
                # A kind change could leave an institution without its staff room.
                raise ValidationError(_("The kind of a unit cannot be changed."))
        super().save(*args, **kwargs)

    @property
    def is_staff_room(self) -> bool:
        return self.kind == UnitKind.STAFF_ROOM

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean(self) -> None:
        if self.kind == UnitKind.STAFF_ROOM and self.parent_id is not None:
            raise ValidationError({"parent": _("The staff room has no parent unit.")})
        if self.parent_id is None:
            return
        if self.parent.institution_id != self.institution_id:
            raise ValidationError({"parent": _("The parent unit belongs to another institution.")})
        if self.parent.kind != UnitKind.DEPARTMENT:
            raise ValidationError({"parent": _("Only a department can contain other units.")})
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A unit cannot be nested inside itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def delete(self, *args, **kwargs):
        if self.kind == UnitKind.STAFF_ROOM:
            raise models.ProtectedError(_("The staff room cannot be deleted."), {self})
        return super().delete(*args, **kwargs)
