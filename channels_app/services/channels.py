"""Writes of the system channels and of the staff the admin allows to write posts for them.

Posts themselves (the editorial workflow) are in `posts`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions as role_permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Institution, Person, PersonKind
from sferum_portal.editing import assign_fields

from ..models import Channel, ChannelAuthor, PostState
from .common import _https

# What the admin may change of a channel.
CHANNEL_FIELDS = ("name", "platform", "link", "audience", "description")


def _check_manage(by, institution: Institution) -> None:
    if not role_permissions.can(by, "channel.manage", institution):
        raise NotAllowed(_("Only the institution's administrator manages channels."))


@transaction.atomic
def create_channel(
    *,
    institution: Institution,
    name: str,
    by,
    platform: str = "max",
    link: str = "",
    audience: str = "everyone",
    description: str = "",
) -> Channel:
    _check_manage(by, institution)
    _https(link, "link")
    name = name.strip()
    if Channel.objects.filter(institution=institution, name__iexact=name).exists():
        raise RuleBroken({"name": _("A channel with this name already exists.")})
    channel = Channel(
        institution=institution,
        name=name,
        platform=platform,
        link=link,
        audience=audience,
        description=description,
    )
    channel.full_clean()
    channel.save()
    roles_services.audit(
        institution=institution,
        actor=by,
        action="channel.create",
        summary=_("Channel created: %(name)s") % {"name": channel.name},
        obj=channel,
    )
    return channel


@transaction.atomic
def update_channel(*, channel: Channel, by, **fields) -> Channel:
    """Change the fields given (any of CHANNEL_FIELDS; another name is a TypeError)."""
    _check_manage(by, channel.institution)
    _https(fields.get("link", ""), "link")
    name = fields.get("name", channel.name).strip()
    clash = Channel.objects.filter(institution=channel.institution, name__iexact=name).exclude(
        pk=channel.pk
    )
    if clash.exists():
        raise RuleBroken({"name": _("A channel with this name already exists.")})
    assign_fields(channel, fields, CHANNEL_FIELDS)
    channel.full_clean()
    channel.save()
    roles_services.audit(
        institution=channel.institution,
        actor=by,
        action="channel.update",
        summary=_("Channel changed: %(name)s") % {"name": channel.name},
        obj=channel,
    )
    return channel


@transaction.atomic
def archive_channel(*, channel: Channel, by) -> Channel:
    _check_manage(by, channel.institution)
    if channel.posts.filter(state=PostState.SCHEDULED).exists():
        raise RuleBroken(_("Posts are scheduled in this channel: unschedule or reject them first."))
    if channel.archived_at is None:
        channel.archived_at = timezone.now()
        channel.save(update_fields=["archived_at"])
        roles_services.audit(
            institution=channel.institution,
            actor=by,
            action="channel.archive",
            summary=_("Channel archived: %(name)s") % {"name": channel.name},
            obj=channel,
        )
    return channel


@transaction.atomic
def allow_author(*, institution: Institution, person: Person, by) -> ChannelAuthor:
    """Let a staff member submit material too (regulation: any staff member the admin allows)."""
    _check_manage(by, institution)
    if person.institution_id != institution.pk or person.kind != PersonKind.STAFF:
        raise RuleBroken({"person": _("Only the institution's staff may write posts.")})
    if person.has_left:
        raise RuleBroken({"person": _("This person has left the institution.")})
    author, created = ChannelAuthor.objects.get_or_create(
        institution=institution, person=person, defaults={"allowed_by": by}
    )
    if created:
        roles_services.audit(
            institution=institution,
            actor=by,
            action="channel.author_allow",
            summary=_("Allowed to write posts: %(person)s") % {"person": person},
            obj=person,
        )
    return author


@transaction.atomic
def remove_author(*, author: ChannelAuthor, by) -> None:
    _check_manage(by, author.institution)
    roles_services.audit(
        institution=author.institution,
        actor=by,
        action="channel.author_remove",
        summary=_("No longer writes posts: %(person)s") % {"person": author.person},
        obj=author.person,
    )
    author.delete()
