"""Every write to the chat registry, and the reminders about missing chats."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roles import freshness
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Institution, Person, Unit, UnitKind
from sferum_portal import mail
from sferum_portal.celery import publish
from sferum_portal.editing import assign_fields
from sferum_portal.links import base_url

from .. import permissions, selectors
from ..models import (
    UNIT_KINDS,
    Chat,
    ChatKind,
    ChatMember,
    ChatReminder,
    MemberIdentity,
    Platform,
)

EDITABLE = ("title", "platform", "link", "member_count", "owner", "unit")


def _check_unit(kind: str, unit: Unit | None, institution: Institution) -> None:
    if kind in UNIT_KINDS and unit is None:
        raise RuleBroken({"unit": _("Choose the class or department of this chat.")})
    if unit is None:
        return
    if unit.institution_id != institution.pk:
        raise RuleBroken({"unit": _("The unit belongs to another institution.")})
    wanted = {
        ChatKind.CLASS_STUDENTS: UnitKind.CLASS,
        ChatKind.CLASS_PARENTS: UnitKind.CLASS,
        ChatKind.DEPARTMENT_TEACHERS: UnitKind.DEPARTMENT,
    }.get(kind)
    if wanted is not None and unit.kind != wanted:
        raise RuleBroken({"unit": _("This kind of chat belongs to a unit of another kind.")})
    if unit.is_archived:
        raise RuleBroken({"unit": _("The unit «%(unit)s» is archived.") % {"unit": unit}})


@transaction.atomic
def register_chat(
    *,
    institution: Institution,
    kind: str,
    title: str,
    platform: str,
    link: str,
    by,
    unit: Unit | None = None,
    owner: Person | None = None,
    member_count: int | None = None,
) -> Chat:
    """Record a real chat that exists in the messenger, by pasting its invitation link."""
    if kind not in UNIT_KINDS and kind != ChatKind.OTHER:
        unit = None
    _check_unit(kind, unit, institution)
    if not permissions.can_register(by, institution, kind, unit):
        raise NotAllowed(_("You may not register a chat of this kind here."))
    if owner is None:
        owner = Person.objects.filter(institution=institution, user=by).first()
    now = timezone.now()
    chat = Chat(
        institution=institution,
        kind=kind,
        unit=unit,
        owner=owner,
        title=title.strip(),
        platform=platform,
        link=link.strip(),
        member_count=member_count,
        member_count_at=now if member_count is not None else None,
        moved_to_max_on=institution.local_today() if platform == Platform.MAX else None,
        created_by=by if getattr(by, "pk", None) else None,
    )
    chat.full_clean()
    chat.save()
    roles_services.audit(
        institution=institution,
        actor=by,
        action="chat.register",
        summary=_("Chat registered: %(title)s") % {"title": chat.title},
        obj=chat,
        data={"kind": kind, "platform": platform},
    )
    return chat


@transaction.atomic
def update_chat(*, chat: Chat, by, **fields) -> Chat:
    """Change a chat: its member count, title, link; a move from VK to MAX is dated."""
    if unknown := set(fields) - set(EDITABLE):
        raise TypeError(f"Not editable: {sorted(unknown)}")
    chat = Chat.objects.select_for_update().get(pk=chat.pk)
    if not permissions.can_change(by, chat):
        raise NotAllowed(_("You may not change this chat."))
    if chat.is_archived:
        raise RuleBroken(_("An archived chat cannot be changed."))
    if (
        "owner" in fields
        and fields["owner"] != chat.owner
        and not permissions.can_change_owner(by, chat)
    ):
        raise NotAllowed(_("Only an administrator gives a chat a new owner."))
    if "unit" in fields:
        if chat.kind not in UNIT_KINDS and chat.kind != ChatKind.OTHER:
            fields["unit"] = None  # the institution's chats belong to no unit
        elif fields["unit"] != chat.unit and not permissions.can_register(
            by, chat.institution, chat.kind, fields["unit"]
        ):
            raise NotAllowed(_("You may not move this chat to that unit."))
    old_platform = chat.platform
    changed = assign_fields(chat, fields, EDITABLE)
    if "member_count" in fields:
        chat.member_count_at = timezone.now()
    if old_platform != Platform.MAX and chat.platform == Platform.MAX:
        chat.moved_to_max_on = chat.institution.local_today()
    elif chat.platform != Platform.MAX:
        chat.moved_to_max_on = None
    _check_unit(chat.kind, chat.unit, chat.institution)
    chat.full_clean()
    chat.save()
    roles_services.audit(
        institution=chat.institution,
        actor=by,
        action="chat.update",
        summary=_("Chat changed: %(title)s") % {"title": chat.title},
        obj=chat,
        data={"fields": changed},
    )
    return chat


@transaction.atomic
def archive_chat(*, chat: Chat, by) -> Chat:
    """The chat no longer exists or is no longer used: the requirement it met is open again."""
    chat = Chat.objects.select_for_update().get(pk=chat.pk)
    if not permissions.can_change(by, chat):
        raise NotAllowed(_("You may not change this chat."))
    if chat.archived_at is None:
        chat.archived_at = timezone.now()
        chat.save(update_fields=["archived_at"])
        roles_services.audit(
            institution=chat.institution,
            actor=by,
            action="chat.archive",
            summary=_("Chat archived: %(title)s") % {"title": chat.title},
            obj=chat,
        )
    return chat


def release_chats_of(*, person: Person, by=None, units: list[int] | None = None) -> int:
    """A teacher who leaves (the institution, or only some units): their chats there wait for a
    new owner, shown to the administrator."""
    chats = Chat.objects.filter(owner=person, archived_at__isnull=True)
    if units is not None:
        chats = chats.filter(unit_id__in=units)
    count = chats.update(owner=None)
    if count:
        # An update sends no signal: the board is read afresh.
        freshness.touch([person.institution_id])
        roles_services.audit(
            institution=person.institution,
            actor=by,
            action="chat.release",
            summary=_("Chats of %(person)s need a new owner: %(count)d")
            % {"person": person.short_name, "count": count},
            obj=person,
        )
    return count


def hand_over_person(*, keep: Person, remove: Person) -> int:
    """Two roster rows of one person merged (`roles.signals.people_merged`): the chats owned
    by `remove`, the reminders sent to it, its reconciled chat memberships and the matches
    remembered for it go to `keep`. Returns how many chats moved."""
    ChatReminder.objects.filter(teacher=remove).update(teacher=keep)
    # An expected person's row is keyed by the person: it becomes the kept person's row, unless
    # the chat has one for them already.
    old_key, new_key = f"person:{remove.pk}", f"person:{keep.pk}"
    for row in ChatMember.objects.filter(person=remove, key=old_key):
        if ChatMember.objects.filter(chat_id=row.chat_id, key=new_key).exists():
            row.delete()
        else:
            ChatMember.objects.filter(pk=row.pk).update(key=new_key)
    ChatMember.objects.filter(person=remove).update(person=keep)
    MemberIdentity.objects.filter(person=remove).update(person=keep)
    return Chat.objects.filter(owner=remove).update(owner=keep)


def _due_reminders(institution: Institution, board, since: dt.datetime) -> dict:
    """Who the button would e-mail now: teachers with missing chats, not reminded since
    `since`, with an address; and how many were left out for each reason."""
    recent = set(
        ChatReminder.objects.filter(institution=institution, sent_at__gt=since).values_list(
            "teacher_id", flat=True
        )
    )
    found = {"due": [], "missing": 0, "recent": 0, "no_address": 0}
    for teacher, _required, missing_count in board.teachers():
        if not missing_count:
            continue
        found["missing"] += 1
        if teacher.pk in recent:
            found["recent"] += 1
            continue
        address = teacher.email or (teacher.user.email if teacher.user_id else "")
        if not address:
            found["no_address"] += 1
            continue
        found["due"].append((teacher, address))
    return found


def missing_chat_reminders_due(*, institution: Institution, now: dt.datetime | None = None):
    """What pressing "remind teachers" would do now: {"due", "missing", "recent",
    "no_address"} as counts (the same rule as the sending itself)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.CHAT_REMINDER_INTERVAL_DAYS)
    found = _due_reminders(institution, selectors.compliance(institution), since)
    return {**found, "due": len(found["due"])}


def request_missing_chat_reminders(*, institution: Institution, by=None) -> None:
    """The "remind teachers" button: a job for the worker, or, when the broker cannot take it,
    the reminders sent in this request (one e-mail per teacher with missing chats, at most),
    so that the request is never lost."""
    user_id = by.pk if by is not None else None
    transaction.on_commit(
        lambda: (
            publish("chats.tasks.remind_missing_chats", institution.pk, user_id)
            or send_missing_chat_reminders(institution=institution, by=by)
        )
    )


def send_missing_chat_reminders(
    *, institution: Institution, by=None, now: dt.datetime | None = None
) -> int:
    """E-mail every teacher the list of their missing chats, never twice within the
    configured number of days. Returns how many teachers were reminded."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.CHAT_REMINDER_INTERVAL_DAYS)
    board = selectors.compliance(institution)
    reminded = 0
    for teacher, address in _due_reminders(institution, board, since)["due"]:
        missing = board.missing_for(teacher)
        with transaction.atomic():
            # The row is the lock: a parallel run that already reminded this teacher wins.
            locked = Person.objects.select_for_update().get(pk=teacher.pk)
            if ChatReminder.objects.filter(teacher=locked, sent_at__gt=since).exists():
                continue
            ChatReminder.objects.create(
                institution=institution,
                teacher=locked,
                sent_at=now,
                missing=[f"{row.kind_label}: {row.unit or institution}" for row in missing],
            )
            transaction.on_commit(
                lambda t=teacher, a=address, m=missing: _send_reminder(institution, t, a, m)
            )
        reminded += 1
    roles_services.audit(
        institution=institution,
        actor=by,
        action="chat.remind",
        summary=_("Teachers reminded of missing chats: %(count)d") % {"count": reminded},
        data={"count": reminded},
    )
    return reminded


def _send_reminder(institution, teacher, address, missing) -> None:
    mail.send(
        [
            mail.build(
                to=address,
                subject=gettext_lazy("Chats to create in Sferum"),
                body_template="chats/email/reminder.txt",
                context={
                    "teacher": teacher,
                    "missing": missing,
                    "institution": institution,
                    "base_url": base_url(),
                },
                tz=institution.tzinfo,
            )
        ]
    )
