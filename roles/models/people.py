"""The roster: people, their guardian links and their memberships of units in a role."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import InstitutionOwned, Timestamped, institution_key
from .institution import Unit, UnitKind


def normalize_search(text: str) -> str:
    return text.casefold().replace("ё", "е").strip()


class PersonKind(models.TextChoices):
    STAFF = "staff", _("staff")
    STUDENT = "student", _("student")
    PARENT = "parent", _("parent")


class Person(InstitutionOwned, Timestamped):
    """A roster entry. Most people (students, parents) never log in to the portal."""

    institution = institution_key("people")
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
    # A keyed hash of the birth date a roster file gave (roles.roster.names.birth_date_hash),
    # never the date: it tells namesakes apart at the next import and reveals nothing.
    birth_date_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Lower-case name and id with «ё» as «е»: SQLite's LIKE folds only ASCII letters, and
    # Russian users type «е» for «ё».
    search_key = models.CharField(max_length=600, blank=True, editable=False, db_index=True)
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


# The role Sferum itself shows. Its roles are «учитель», «ученик» and «родитель»: the director
# and the deputies join «Учительская» by invitation in the role «учитель» (regulation 2.2),
# «director» and «deputy» being their administrative roles in the portal only.
SFERUM_ROLE: dict[str, str] = {
    Role.DIRECTOR: Role.TEACHER,
    Role.DEPUTY: Role.TEACHER,
    Role.TEACHER: Role.TEACHER,
    Role.STUDENT: Role.STUDENT,
    Role.PARENT: Role.PARENT,
}


class SferumRoleMixin:
    """`sferum_role` of a model with a `role` (a membership, an invitation)."""

    @property
    def sferum_role(self) -> str:
        return SFERUM_ROLE.get(self.role, self.role)

    def get_sferum_role_display(self) -> str:
        return Role(self.sferum_role).label

    @property
    def sferum_role_differs(self) -> bool:
        """The portal's role is not the one Sferum shows (the director, a deputy)."""
        return self.sferum_role != self.role


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


class Membership(SferumRoleMixin, Timestamped):
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
