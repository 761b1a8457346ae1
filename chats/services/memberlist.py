"""Reading a member list copied from a messenger's members screen: names out of the noise.

The members screens of Sferum, VK Messenger and MAX, copied with the mouse, give one member per
line (or a name line and a status line) among roles («администратор», «владелец», «вы»), online
marks («в сети», «был(а) в сети 5 минут назад»), counters («Участники · 28»), buttons
(«Пригласить участников»), emojis and blank lines. `parse_member_list` keeps the names and says
which lines it skipped; `read_member_file` turns an uploaded .txt or .csv file into such text.
Nothing here writes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

# Whole lines (or parts of a line) that are a role, a mark or a button, never a name.
NOISE_WORDS = {
    "администратор", "админ", "администратор чата", "владелец", "владелец чата", "создатель",
    "модератор", "вы", "это вы", "я", "учитель", "ученик", "ученица", "родитель", "педагог",
    "преподаватель", "классный руководитель", "участник", "участники", "все участники",
    "администраторы", "бот", "чат-бот", "owner", "admin", "administrator", "you", "member",
    "members", "bot", "поиск", "найти", "показать всех", "показать ещё", "показать еще",
    "ещё", "еще", "пригласить", "добавить", "ссылка", "выйти", "удалить", "написать",
    "в сети", "не в сети", "онлайн", "офлайн", "online", "offline", "недавно", "давно",
}  # fmt: skip
# Lines that start like a status (a whole word: «Былинкин» is a name) or a counter or button.
NOISE_START = re.compile(
    r"^(?:"
    r"(?:был[аи]?|заходил[аи]?|в сети|не в сети|онлайн|офлайн|online|offline|last seen|seen|"
    r"печатает|участник\w*|администратор\w*|members|invite|показать|поделиться)(?:\s|$)|"
    r"пригласить|добавить участник|добавить в чат|ссылка[- ]приглашени|ссылка на чат|"
    r"add members|\d+\s*(?:участник|member|человек)"
    r")",
    re.IGNORECASE,
)
# Separators between a name and its role or status on the same line.
SEPARATORS = re.compile(r"\s*(?:[·•|—–\t]|\s{2,}|,\s)\s*")
PARENTHESES = re.compile(r"\(([^)]*)\)")
# What is left of a name: letters, spaces, hyphens, dots and apostrophes.
NOT_NAME = re.compile(r"[^\w\s.'’-]|[\d_]", re.UNICODE)
MAX_NAME_LENGTH = 150
MAX_LINES = 5_000


@dataclass(frozen=True)
class ParsedLine:
    line: int
    name: str


@dataclass
class ParsedList:
    names: list[ParsedLine] = field(default_factory=list)
    # (line number, the line as pasted) of the lines that held no name.
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.names)


def _is_noise(text: str) -> bool:
    plain = " ".join(text.casefold().replace("ё", "е").split()).strip(" .:;-")
    if not plain:
        return True
    if plain in {w.replace("ё", "е") for w in NOISE_WORDS}:
        return True
    return bool(NOISE_START.match(plain))


def _clean(text: str) -> str:
    """Emojis, symbols and digits out; spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = NOT_NAME.sub(" ", text)
    return " ".join(text.split()).strip(" .-'’")


def name_of(line: str) -> str:
    """The member's name on one line of a members screen, or "" for a line without one."""
    line = line.strip().lstrip("@")
    if not line or _is_noise(line) or _is_noise(_clean(line) or line):
        return ""
    # «Соколова Анна (вы)», «Иван Петров (администратор)»: marks in parentheses go.
    line = PARENTHESES.sub(lambda m: " " if _is_noise(m.group(1)) else m.group(0), line)
    parts = [p for p in SEPARATORS.split(line) if p.strip()]
    names = [p for p in (_clean(p) for p in parts) if p and not _is_noise(p)]
    if not names:
        return ""
    name = names[0]
    # A status glued to the name: «Иван Петров в сети», «Анна был(а) в сети вчера».
    name = re.split(
        r"\s+(?:в сети|не в сети|онлайн|был[аи]?\b|заходил|администратор|владелец)",
        name,
        maxsplit=1,
        flags=re.IGNORECASE,
    )[0]
    name = PARENTHESES.sub(" ", name)
    name = _clean(name)
    if not re.search(r"[^\W\d_]", name) or _is_noise(name):
        return ""
    return name[:MAX_NAME_LENGTH]


def parse_member_list(text: str) -> ParsedList:
    """The names of a pasted member list, in their order, and the lines skipped as noise."""
    result = ParsedList()
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        name = name_of(raw)
        if name:
            result.names.append(ParsedLine(number, name))
        elif raw.strip():
            result.skipped.append((number, raw.strip()[:MAX_NAME_LENGTH]))
    return result


NAME_HEADERS = ("фио", "ф.и.о.", "участник", "имя и фамилия", "фамилия и имя", "name", "member")
PART_HEADERS = {"фамилия": 0, "last name": 0, "имя": 1, "first name": 1, "отчество": 2}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_member_file(data: bytes, filename: str = "") -> str:
    """An uploaded member list as text, one name per line: a .txt as it is; a .csv by its name
    column («ФИО», «Участник», «Name»; or «Фамилия», «Имя», «Отчество»), else its first cell."""
    text = _decode(data)
    if not filename.lower().endswith(".csv"):
        return text
    # Title rows above the header fool csv.Sniffer: the most frequent separator wins.
    delimiter = max(",;\t", key=text[:8192].count)
    rows = [
        [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]
    name_column, parts = None, {}
    for index, row in enumerate(rows[:20]):
        lowered = [cell.casefold().replace("ё", "е") for cell in row]
        found = [i for i, cell in enumerate(lowered) if cell in NAME_HEADERS]
        found_parts = {i: PART_HEADERS[c] for i, c in enumerate(lowered) if c in PART_HEADERS}
        if found or len(found_parts) >= 2:
            name_column = found[0] if found else None
            parts = found_parts
            rows = rows[index + 1 :]
            break
    lines = []
    for row in rows:
        if name_column is not None and name_column < len(row):
            lines.append(row[name_column])
        elif parts:
            ordered = sorted(parts.items(), key=lambda item: item[1])
            lines.append(" ".join(row[i] for i, _part in ordered if i < len(row) and row[i]))
        else:
            lines.append(next((cell for cell in row if cell), ""))
    return "\n".join(lines)
