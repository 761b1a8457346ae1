"""Deciding a teacher's «учитель» status from the verification queue: the very service of the
person's card, `roles.services.decide_teacher_verification` (the status, its audit row and the
e-mail to the teacher), under the name this app has always exported.
"""

from __future__ import annotations

from roles.services import decide_teacher_verification as decide_verification

__all__ = ["decide_verification"]
