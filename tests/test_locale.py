"""The Russian catalogue ships compiled, complete and in step with its source."""

import ast
import gettext
import re
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def _po_entries(path: Path) -> dict:
    """msgctxt\x04msgid -> msgstr, read from a .po file; a plural entry's key is
    (msgid, n) for each of its forms, as in a compiled catalogue."""
    entries, current, field = {}, {}, None

    def finish():
        if not current.get("msgid"):
            return
        key = current.get("msgctxt", "") and current["msgctxt"] + "\x04"
        forms = sorted(k for k in current if k.startswith("msgstr["))
        if forms:
            for name in forms:
                entries[(key + current["msgid"], int(name[7:-1]))] = current[name]
        else:
            entries[key + current["msgid"]] = current.get("msgstr", "")

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            finish()
            current, field = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[")):
            field, _, rest = line.partition(" ")
            current[field] = ast.literal_eval(rest)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
    return entries


def test_every_russian_entry_is_translated_and_compiled():
    entries = _po_entries(LOCALE / "ru/LC_MESSAGES/django.po")
    assert len(entries) > 300
    untranslated = [k for k, v in entries.items() if not v]
    assert untranslated == []
    with open(LOCALE / "ru/LC_MESSAGES/django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [k for k, v in entries.items() if compiled._catalog.get(k) != v]
    assert stale == [], "run `make messages` (compilemessages) and commit the .mo"


def test_the_portal_speaks_russian():
    with translation.override("ru"):
        assert translation.gettext("Roster import") == "Импорт контингента"
        assert translation.gettext("staff room") != "staff room"


def test_no_entry_is_left_fuzzy():
    """A fuzzy entry is a guess of msgmerge: compilemessages leaves it out, so the page would
    show the English. Check the text, then remove the flag."""
    text = (LOCALE / "ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    fuzzy = [
        block.strip().splitlines()[-2:]
        for block in text.split("\n\n")
        if any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
    ]
    assert fuzzy == [], "check these entries and remove their «#, fuzzy» flag"


# The names xgettext extracts from Python (its defaults and those makemessages adds).
GETTEXT_NAMES = {
    "_", "gettext", "ngettext", "pgettext", "npgettext", "gettext_noop", "gettext_lazy",
    "ngettext_lazy", "pgettext_lazy", "npgettext_lazy",
}  # fmt: skip
ALIAS = re.compile(r"import\s+(\w*gettext\w*)\s+as\s+(\w+)")


def test_every_message_is_marked_with_a_name_makemessages_knows():
    """`gettext_lazy as _l` hides its messages from makemessages: they never get translated."""
    root = LOCALE.parent
    unknown = []
    for path in root.rglob("*.py"):
        if {".venv", "node_modules", "migrations"} & set(path.parts):
            continue
        for original, alias in ALIAS.findall(path.read_text(encoding="utf-8")):
            if alias not in GETTEXT_NAMES:
                unknown.append(f"{path.relative_to(root)}: {original} as {alias}")
    assert unknown == []
