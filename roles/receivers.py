"""The cached rows of a user's roles (`permissions.access_of`) forgotten whenever they change."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import AdminAppointment, Institution, Membership, Person
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
