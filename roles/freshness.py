"""An institution's stamp: what its pages keep in the cache is kept under it.

Every write of a row of the institution moves the stamp on (`touch`): a signal receiver does it
for every model built on InstitutionOwned, for memberships and for the institution itself
(roles/receivers.py); a service that writes by an update or in bulk, which sends no signal,
does it itself (the roster import, teacher verification, ended or joined memberships, the
chats released, reconciled or renamed by MAX). What was cached under the old stamp is then
never read again, and expires on its own. Users: the dashboard (sferum_portal/dashboard.py)
and the compliance board (chats.selectors.Board).

Should the cache lose a touch (Redis away for a moment), a kept value lives on for at most
its own time in the cache (a minute for both users).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction

# The stamps outlive any value kept under them (see CACHED_SECONDS of their users).
STAMP_SECONDS = 24 * 3600

_generation = [0]


def _stamp_key(institution_id: int) -> str:
    # The database's name: test databases (one per test process) share one Redis in CI.
    name = connection.settings_dict.get("NAME") or ""
    return f"portal-stamp:{name}:{_generation[0]}:{institution_id}"


def stamp(institution_id: int) -> str:
    """The institution's current stamp, to be part of the key of what is cached for it."""
    key = _stamp_key(institution_id)
    value = cache.get(key)
    if value is None:
        value = _new_stamp()
        # Another request may have set one meanwhile: theirs wins, and both read it next time.
        if not cache.add(key, value, STAMP_SECONDS):
            value = cache.get(key) or value
    return value


def touch(institution_ids: Iterable[int | None]) -> None:
    """The institutions' rows changed: what was cached under their stamps is not read again."""
    keys = [_stamp_key(pk) for pk in set(institution_ids) if pk is not None]
    if not keys:
        return

    def move_on() -> None:
        value = _new_stamp()
        cache.set_many(dict.fromkeys(keys, value), STAMP_SECONDS)

    move_on()
    # Again once the change is committed: a request in between read the rows as they were and
    # may have cached them under the stamp of now.
    transaction.on_commit(move_on)


def forget_everything() -> None:
    """Every stamp of this process forgotten at once (between tests: ids are reused)."""
    _generation[0] += 1


def _new_stamp() -> str:
    # Not the clock: a test that stops it must still see a new stamp.
    return secrets.token_hex(8)
