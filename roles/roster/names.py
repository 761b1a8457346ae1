"""Names and values of a roster row as compared: a full name split into its parts, the keys that
people and units are matched by, a birth date read and turned into a keyed hash.

Pure functions; nothing here reads the database or writes.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.crypto import salted_hmac

_SPACES = re.compile(r"\s+")
_AROUND_HYPHEN = re.compile(r"\s*-\s*")
# What a unit's name may differ by and still be the same unit: case, ё/е, spaces, hyphens and
# dashes, quotation marks («3-А», «3 А», «3а»; «Робототехника» + «1» and «Робототехника-1»).
_UNIT_NOISE = re.compile(r"[\s\-‐‑‒–—―_«»\"'“”„]+")
_NAME_SEPARATORS = re.compile(r"[;\n\r]+")

_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y")


def name_key(value: str) -> str:
    """One part of a name as compared: ё as е, case and spaces ignored («Римский - Корсаков» is
    «римский-корсаков»)."""
    value = _AROUND_HYPHEN.sub("-", _SPACES.sub(" ", value.strip()))
    return value.casefold().replace("ё", "е")


def clean_name(value: str) -> str:
    """A name part as stored: spaces collapsed, none around a hyphen."""
    return _AROUND_HYPHEN.sub("-", _SPACES.sub(" ", value.strip()))


def split_full_name(value: str) -> tuple[str, str, str] | None:
    """«Фамилия Имя Отчество» as (last, first, patronymic); None when it is not two words at
    least. A patronymic of several words («Тофик оглы») stays whole."""
    words = clean_name(value.replace(",", " ")).split(" ")
    words = [w for w in words if w]
    if len(words) < 2:
        return None
    return words[0], words[1], " ".join(words[2:])


def split_people(value: str) -> list[str]:
    """The full names in one cell: «Иванова Елена Викторовна; Иванов Сергей Петрович» (or on
    separate lines, or separated by commas between full names)."""
    names = []
    for part in _NAME_SEPARATORS.split(value or ""):
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        # «Иванов, Пётр Сергеевич» is one person; «Иванова Е. В., Иванов С. П.» are two.
        if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces):
            names.extend(pieces)
        elif part.strip():
            names.append(part.strip())
    return names


def unit_key(value: str) -> str:
    """A unit's name as matched leniently (see _UNIT_NOISE)."""
    return _UNIT_NOISE.sub("", value).casefold().replace("ё", "е")


def parse_birth_date(value: str) -> dt.date | None:
    """A birth date as exported (31.12.2015, 2015-12-31, an Excel date); None for an empty cell,
    ValueError for anything that is no date or not a plausible birth date."""
    value = value.strip()
    if not value:
        return None
    # Excel dates arrive as "2015-12-31" or "2015-12-31 00:00:00".
    value = re.sub(r"[ T]00:00(:00)?$", "", value)
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if fmt.endswith("%y") and day > dt.date.today():
            day = day.replace(year=day.year - 100)
        if not dt.date(1900, 1, 1) <= day <= dt.date.today():
            raise ValueError(value)
        return day
    raise ValueError(value)


def birth_date_hash(institution_id: int, day: dt.date | None) -> str:
    """A keyed hash of a birth date (HMAC-SHA256, the key derived from SECRET_KEY and the
    institution): equal dates give equal hashes within one institution, and without the key
    the hash tells nothing. "" for no date."""
    if day is None:
        return ""
    salt = f"roles.roster.birth_date.{institution_id}"
    return salted_hmac(salt, day.isoformat(), algorithm="sha256").hexdigest()
