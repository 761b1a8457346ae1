"""What every domain row has: the institution it belongs to (DESIGN §5) and when it was made."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def institution_key(related_name: str = "%(class)ss", **options) -> models.ForeignKey:
    """The foreign key to the institution a row belongs to: protected, never cascaded (a row
    of an institution outlives nothing of it silently)."""
    options.setdefault("on_delete", models.PROTECT)
    options.setdefault("verbose_name", _("institution"))
    return models.ForeignKey("roles.Institution", related_name=related_name, **options)


class InstitutionOwned(models.Model):
    """A row of one institution. A model whose reverse name is not its plural (`people`,
    `todos`) redeclares the field with `institution_key(...)`."""

    institution = institution_key()

    class Meta:
        abstract = True


class Timestamped(models.Model):
    """When the row was made; a default rather than `auto_now_add`, so that an import or a
    backfill can give the real moment."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
