"""What the channels app does on `roles`' signals (connected in `ChannelsConfig.ready()`).

`people_merged`: two roster rows of one person merged (`roles.services.merge_people`, inside
its transaction): the removed row's channel authorship, hosted events and seminar attendance go
to the kept person before the removed row is deleted. Leaving needs nothing here: an author who
left cannot submit (the workflow checks the roles), and events keep their host for the record.
"""

from __future__ import annotations

from . import services


def move_rows_of_merged_person(sender, keep, remove, by=None, **kwargs) -> None:
    services.hand_over_person(keep=keep, remove=remove)
