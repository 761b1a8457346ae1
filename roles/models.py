"""The institution, its structure and roster: data and invariants only, no workflows."""

import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The login. Everything about a person in an institution lives on `Person`."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


inn_validator = RegexValidator(
    r"^(\d{10}|\d{12})$", _("The INN consists of 10 digits (or 12 for an individual).")
)


class Institution(models.Model):
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

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


class Unit(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="units", verbose_name=_("institution")
    )
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

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


def normalize_search(text: str) -> str:
    return text.casefold().replace("ё", "е").strip()


class PersonKind(models.TextChoices):
    STAFF = "staff", _("staff")
    STUDENT = "student", _("student")
    PARENT = "parent", _("parent")


class Person(models.Model):
    """A roster entry. Most people (students, parents) never log in to the portal."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="people", verbose_name=_("institution")
    )
    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PersonKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("login"),
    )
    # Only staff and parents: no contact data of minors is kept (DESIGN §5).
    email = models.EmailField(_("e-mail"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    guardians = models.ManyToManyField(
        "self",
        through="GuardianLink",
        through_fields=("student", "parent"),
        symmetrical=False,
        related_name="children",
        blank=True,
        verbose_name=_("parents"),
    )
    left_on = models.DateField(_("left the institution"), null=True, blank=True)
    # Lower-case name and id with «ё» as «е»: SQLite's LIKE folds only ASCII letters, and
    # Russian users type «е» for «ё».
    search_key = models.CharField(max_length=600, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "patronymic", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "external_id"],
                condition=~Q(external_id=""),
                name="roles_person_unique_external_id",
                violation_error_message=_("A person with this external id already exists."),
            ),
            models.UniqueConstraint(
                fields=["institution", "user"],
                condition=Q(user__isnull=False),
                name="roles_person_one_per_user_and_institution",
                violation_error_message=_("This login is already linked to a person here."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="student") | Q(email=""),
                name="roles_person_no_student_email",
                violation_error_message=_("No e-mail address is kept for students."),
            ),
        ]
        indexes = [models.Index(fields=["institution", "kind", "last_name"])]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.update_search_key()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def update_search_key(self) -> None:
        self.search_key = normalize_search(f"{self.full_name} {self.external_id}")

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip()

    @property
    def has_left(self) -> bool:
        return self.left_on is not None


def on_roster(on, prefix: str = "") -> Q:
    """People who have not left by the given (institution-local) date."""
    return Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": on})


class GuardianLink(models.Model):
    parent = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="child_links", verbose_name=_("parent")
    )
    student = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="guardian_links", verbose_name=_("student")
    )

    class Meta:
        verbose_name = _("guardian link")
        verbose_name_plural = _("guardian links")
        constraints = [
            models.UniqueConstraint(fields=["parent", "student"], name="roles_guardian_unique"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("student")), name="roles_guardian_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} → {self.student}"


class Role(models.TextChoices):
    DIRECTOR = "director", _("director")
    DEPUTY = "deputy", _("deputy director")
    ADMIN = "admin", _("Sferum administrator")
    TEACHER = "teacher", _("teacher")
    STUDENT = "student", _("student")
    PARENT = "parent", _("parent")


# Which roles a membership may have in each kind of unit. The admin role comes from an
# appointment by order (AdminAppointment), never from a membership.
ROLES_BY_UNIT_KIND: dict[str, tuple[str, ...]] = {
    UnitKind.STAFF_ROOM: (Role.DIRECTOR, Role.DEPUTY, Role.TEACHER),
    UnitKind.DEPARTMENT: (Role.DEPUTY, Role.TEACHER),
    UnitKind.CLASS: (Role.TEACHER, Role.STUDENT, Role.PARENT),
}

# Which roles fit which kind of roster person.
ROLES_BY_PERSON_KIND: dict[str, tuple[str, ...]] = {
    PersonKind.STAFF: (Role.DIRECTOR, Role.DEPUTY, Role.TEACHER),
    PersonKind.STUDENT: (Role.STUDENT,),
    PersonKind.PARENT: (Role.PARENT,),
}


class Verification(models.TextChoices):
    NOT_REQUIRED = "not_required", _("not required")
    PENDING = "pending", _("awaiting verification")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")


def in_force(on, prefix: str = "") -> Q:
    """Memberships in force on a date; `prefix` reaches them through a relation ("memberships__").

    `on` is always an institution's local date, never the server's.
    """
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": on})
    )


class MembershipQuerySet(models.QuerySet):
    def active(self, on):
        """Memberships in force on the given (institution-local) date."""
        return self.filter(in_force(on))


class Membership(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    start_date = models.DateField(_("from"))
    # The first day on which the membership no longer holds.
    end_date = models.DateField(_("until"), null=True, blank=True)
    # Set when the person has joined the unit in Sferum (through an invitation).
    joined_at = models.DateTimeField(_("joined Sferum"), null=True, blank=True)
    verification = models.CharField(
        _("«teacher» status"),
        max_length=15,
        choices=Verification.choices,
        default=Verification.NOT_REQUIRED,
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verification decided"), null=True, blank=True)
    verification_note = models.CharField(_("verification note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "role"],
                condition=Q(end_date__isnull=True),
                name="roles_membership_unique_open",
                violation_error_message=_("The person already has this role in this unit."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="roles_membership_end_after_start",
                violation_error_message=_("The end date is before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(role="teacher") | Q(verification="not_required"),
                name="roles_membership_only_teachers_verified",
            ),
        ]
        indexes = [models.Index(fields=["unit", "role", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.unit} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.unit_id and self.role and self.role not in ROLES_BY_UNIT_KIND[self.unit.kind]:
            raise ValidationError(
                {"role": _("This role is not possible in a unit of this kind.")}, code="role_kind"
            )
        if self.person_id and self.role and self.role not in ROLES_BY_PERSON_KIND[self.person.kind]:
            raise ValidationError(
                {"role": _("This role does not fit the person's kind.")}, code="role_person"
            )
        if (
            self.person_id
            and self.unit_id
            and self.person.institution_id != self.unit.institution_id
        ):
            raise ValidationError(_("The person and the unit belong to different institutions."))

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class AdminAppointment(models.Model):
    """Appointment of a Sferum administrator by the head's order (regulation 2.1)."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="admin_appointments",
        verbose_name=_("institution"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="admin_appointments",
        verbose_name=_("person"),
    )
    order_number = models.CharField(_("order number"), max_length=50)
    order_date = models.DateField(_("order date"))
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


class Movement(models.Model):
    """The journal of movement of students and staff: append-only."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("institution"),
    )
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
        return f"{self.get_kind_display()}: {self.person} ({self.effective_date})"


class TodoKind(models.TextChoices):
    REMOVE = "remove", _("remove from a Sferum unit")
    REINVITE = "reinvite", _("re-invite with a new role")
    OTHER = "other", _("other")


class TodoItem(models.Model):
    """Something the administrator must still do by hand inside Sferum."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="todos", verbose_name=_("institution")
    )
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
    created_at = models.DateTimeField(_("created"), default=timezone.now)
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


class RosterImportStatus(models.TextChoices):
    PREVIEW = "preview", _("preview ready")
    INVALID = "invalid", _("rejected")
    QUEUED = "queued", _("being imported")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


def roster_upload_path(instance, filename: str) -> str:
    # Never the original name: the file holds minors' names and must not be guessable.
    return f"rosters/{uuid.uuid4().hex}"


class RosterImport(models.Model):
    """One upload of a roster file: preview first, applied only on confirmation."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    file = models.FileField(upload_to=roster_upload_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=RosterImportStatus.choices)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # {"created": n, "changed": n, "ended": n, "unchanged": n, "samples": {...}}
    summary = models.JSONField(default=dict, blank=True)
    # Ids of the people the administrator confirmed as leaving when starting the import.
    confirmed_leavers = models.JSONField(default=list, blank=True)
    # [{"row": n, "messages": [...]}] or [{"row": null, "messages": [...]}] for file-level errors
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the administrator confirmed it: a queued import whose job never reached a worker
    # (the broker was down) is sent again some minutes after this.
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == RosterImportStatus.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))
