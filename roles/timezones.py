"""Time zones as a Russian school chooses them: Russia's zones first, by their Russian names and
offsets (Калининград UTC+2 … Камчатка UTC+12), then every other zone by its identifier."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils.translation import gettext_lazy as _

# Russia's zones from west to east; the first of each offset is the one its people name.
RUSSIA = [
    ("Europe/Kaliningrad", _("Kaliningrad")),
    ("Europe/Moscow", _("Moscow")),
    ("Europe/Kirov", _("Kirov")),
    ("Europe/Volgograd", _("Volgograd")),
    ("Europe/Samara", _("Samara")),
    ("Europe/Astrakhan", _("Astrakhan")),
    ("Europe/Saratov", _("Saratov")),
    ("Europe/Ulyanovsk", _("Ulyanovsk")),
    ("Asia/Yekaterinburg", _("Yekaterinburg")),
    ("Asia/Omsk", _("Omsk")),
    ("Asia/Krasnoyarsk", _("Krasnoyarsk")),
    ("Asia/Novosibirsk", _("Novosibirsk")),
    ("Asia/Barnaul", _("Barnaul")),
    ("Asia/Tomsk", _("Tomsk")),
    ("Asia/Novokuznetsk", _("Novokuznetsk")),
    ("Asia/Irkutsk", _("Irkutsk")),
    ("Asia/Yakutsk", _("Yakutsk")),
    ("Asia/Chita", _("Chita")),
    ("Asia/Khandyga", _("Khandyga")),
    ("Asia/Vladivostok", _("Vladivostok")),
    ("Asia/Ust-Nera", _("Ust-Nera")),
    ("Asia/Magadan", _("Magadan")),
    ("Asia/Sakhalin", _("Sakhalin")),
    ("Asia/Srednekolymsk", _("Srednekolymsk")),
    ("Asia/Kamchatka", _("Kamchatka")),
    ("Asia/Anadyr", _("Anadyr")),
]
NAMES = dict(RUSSIA)


def offset(zone: str) -> str:
    """«UTC+3» for Moscow now (Russia keeps no summer time)."""
    delta = dt.datetime.now(zoneinfo.ZoneInfo(zone)).utcoffset() or dt.timedelta()
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def label(zone: str) -> str:
    """«Москва (UTC+3)» for a zone of Russia; any other zone by its identifier."""
    name = NAMES.get(zone)
    return f"{name} ({offset(zone)})" if name else zone


def choices() -> list:
    """Grouped choices for a select: Russia's zones, then the rest of the world."""
    russian = sorted(
        ((zone, label(zone)) for zone, _name in RUSSIA),
        key=lambda item: dt.datetime.now(zoneinfo.ZoneInfo(item[0])).utcoffset(),
    )
    others = sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if zone not in NAMES and "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    )
    return [
        (_("Russia"), russian),
        (_("Other time zones"), [(zone, zone) for zone in others]),
    ]
