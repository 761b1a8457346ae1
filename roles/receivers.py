"""What is cached forgotten when its rows change: a user's roles (`permissions.access_of`), and
what is kept under an institution's stamp (`freshness`: its dashboard, its board)."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from . import freshness
from .models import AdminAppointment, Institution, InstitutionOwned, Membership, Person, Unit
from .permissions import forget_access


def _user_of_person(person_id) -> list:
    return list(Person.objects.filter(pk=person_id).values_list("user_id", flat=True))


@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=AdminAppointment)
def _roles_row_changed(sender, instance, **kwargs) -> None:
    person = instance._state.fields_cache.get("person")
    forget_access([person.user_id] if person is not None else _user_of_person(instance.person_id))


@receiver(pre_save, sender=Person)
def _person_changing(sender, instance, **kwargs) -> None:
    # The login the row had before: unlinked, it no longer gives its roles.
    if instance.pk is not None:
        forget_access(_user_of_person(instance.pk))


@receiver([post_save, post_delete], sender=Person)
def _person_changed(sender, instance, **kwargs) -> None:
    forget_access([instance.user_id])


@receiver(post_save, sender=Institution)
def _institution_changed(sender, instance, created, **kwargs) -> None:
    # Its time zone decides its local day.
    if not created:
        forget_access(
            Person.objects.filter(institution=instance, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )


# --- the institution's stamp (`freshness`): what its overview counts or lists changed ----------


def _institution_of(instance) -> int | None:
    if isinstance(instance, Institution):
        return instance.pk
    if isinstance(instance, InstitutionOwned):
        return instance.institution_id
    if isinstance(instance, Membership):
        unit = instance._state.fields_cache.get("unit")
        if unit is not None:
            return unit.institution_id
        return (
            Unit.objects.filter(pk=instance.unit_id)
            .values_list("institution_id", flat=True)
            .first()
        )
    return None


@receiver([post_save, post_delete])
def _institution_row_changed(sender, instance, **kwargs) -> None:
    # Any model: every app's rows of an institution are built on InstitutionOwned.
    if kwargs.get("raw"):
        return  # loading fixtures
    institution_id = _institution_of(instance)
    if institution_id is not None:
        freshness.touch([institution_id])


@receiver(m2m_changed)
def _institution_relation_changed(sender, instance, action, **kwargs) -> None:
    # An event's audience, a post's units: the rows of the relation belong to the instance's.
    if action in ("post_add", "post_remove", "post_clear"):
        institution_id = _institution_of(instance)
        if institution_id is not None:
            freshness.touch([institution_id])
