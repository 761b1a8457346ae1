"""The demo has one MAX chat reconciled from a pasted list: a stranger in it, a student missing."""

import io

from django.core.management import call_command

from chats.models import ChatMember, ChatReconciliation, MemberState
from roles.models import AuditEvent


def test_the_demo_reconciles_one_max_chat_with_a_stranger_and_a_missing_student(db):
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    reconciliation = ChatReconciliation.objects.get()
    chat = reconciliation.chat
    assert chat.platform == "max" and chat.title == "Робототехника-2: ребята"
    assert ChatMember.objects.get(chat=chat, state=MemberState.UNKNOWN).name == "Артём Незнакомов"
    missing = ChatMember.objects.filter(chat=chat, state=MemberState.MISSING)
    assert [row.role for row in missing] == ["student"]
    audits = AuditEvent.objects.count()

    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())

    assert ChatReconciliation.objects.count() == 1
    assert AuditEvent.objects.filter(action="chat.reconcile").count() == 1
    assert AuditEvent.objects.count() >= audits
