"""What the tests of the roles pages share."""

from django.urls import reverse


def url(name, institution, *args):
    return reverse(f"roles:{name}", args=[institution.pk, *args])
