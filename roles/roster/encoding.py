"""Which encoding a CSV file is in: `decode` returns its text and the encoding's name, or refuses.

UTF-8 (with or without BOM) and UTF-16 (with BOM, or without one when every other byte is the
high byte of ASCII or Cyrillic) are recognised by their bytes. The single-byte Russian encodings
decode any bytes, so Windows-1251 and KOI8-R are told apart by what the text looks like: in the
right one Cyrillic words are written «Иванов» or «ИВАНОВ», in the wrong one «иВАНОВ» (the two
encodings put the capitals and the small letters in each other's place); text in capitals only
is told apart by how often the commonest Russian letters occur. When neither is clearly right,
or the text holds letters no name has, the file is refused: a garbled roster is never read.
Nothing here knows about columns or rows.
"""

from __future__ import annotations

import codecs
import re

from django.utils.translation import gettext as _

from .columns import CONTROL_RE


class EncodingError(Exception):
    """The file's encoding is not one the portal reads, or could not be told for sure."""


UTF8, UTF16 = "UTF-8", "UTF-16"
CP1251, KOI8R = "Windows-1251", "KOI8-R"
_CODECS = {CP1251: "cp1251", KOI8R: "koi8_r"}

_WORD = re.compile(r"[А-ЯЁа-яё]{2,}")
_TITLE = re.compile(r"[А-ЯЁ][а-яё]+")
_INVERTED = re.compile(r"[а-яё][А-ЯЁ]+")
# The ten commonest letters of Russian text: about 60% of its letters, far fewer when the text
# is read in the wrong encoding.
_COMMON = frozenset("оеаинтсрвл")
# Characters a roster may hold besides ASCII and Cyrillic letters.
_USUAL = frozenset("ёЁ«»№–—…’‘“”„\u00a0·°")
_CYRILLIC = re.compile(r"[А-ЯЁа-яё]")


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes; EncodingError when it cannot be told."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", UTF8), UTF8
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", UTF16), UTF16
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16, UTF16), UTF16
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _checked(text), UTF8
    return _single_byte(data)


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return _checked(data.decode(codec))
    except UnicodeDecodeError as exc:
        raise EncodingError(
            _("The file starts as %(encoding)s text but is not valid %(encoding)s.")
            % {"encoding": name}
        ) from exc


def _checked(text: str) -> str:
    if CONTROL_RE.search(text):
        raise EncodingError(_("The file holds binary data, not text."))
    return text


def _utf16_without_bom(data: bytes) -> str:
    """ "utf-16-le"/"utf-16-be" when the sample looks like UTF-16 text without a BOM: every other
    byte is the high byte of a character, zero for ASCII and 0x04 for Cyrillic."""
    sample = data[: 4000 - 4000 % 2]
    if len(sample) < 8 or b"\x00" not in sample:
        return ""
    for codec, high, low in (
        ("utf-16-le", sample[1::2], sample[0::2]),
        ("utf-16-be", sample[0::2], sample[1::2]),
    ):
        usual = high.count(0) + high.count(4)
        if high.count(0) and usual >= 0.95 * len(high) and low.count(0) < 0.05 * len(low):
            return codec
    return ""


def _single_byte(data: bytes) -> tuple[str, str]:
    texts = {}
    for name, codec in _CODECS.items():
        try:
            texts[name] = _checked(data.decode(codec))
        except (UnicodeDecodeError, EncodingError):
            continue
    scores = {name: _looks_russian(text) for name, text in texts.items()}
    plausible = [name for name, score in scores.items() if score is not None]
    if len(plausible) == 2:
        a, b = scores[CP1251], scores[KOI8R]
        if abs(a - b) >= 0.15:
            plausible = [CP1251 if a > b else KOI8R]
    if len(plausible) != 1:
        raise EncodingError(
            _(
                "The file's encoding could not be recognised for sure. Save it as CSV in UTF-8 "
                "(«CSV UTF-8» in Excel) or as an Excel workbook (.xlsx) and upload it again."
            )
        )
    name = plausible[0]
    return texts[name], name


def _looks_russian(text: str) -> float | None:
    """How clearly `text` is Russian read in the right encoding (higher is clearer); None when
    it holds characters that no roster has or no clear sign either way."""
    unusual = sum(
        1 for ch in text if ord(ch) > 127 and not _CYRILLIC.match(ch) and ch not in _USUAL
    )
    letters = _CYRILLIC.findall(text)
    if not letters or unusual > 0.02 * len(letters):
        return None
    words = _WORD.findall(text)
    title = sum(1 for w in words if _TITLE.fullmatch(w))
    inverted = sum(1 for w in words if _INVERTED.fullmatch(w))
    if title + inverted >= 3:
        # Names are written «Иванов»; read in the wrong encoding they come out «иВАНОВ».
        if title >= 4 * max(inverted, 1) or (inverted == 0 and title >= 3):
            return 1.0 + title / len(words)
        if inverted >= 4 * max(title, 1) or (title == 0 and inverted >= 3):
            return None
    common = sum(1 for ch in letters if ch.lower() in _COMMON) / len(letters)
    # Russian text: about 0.6; the same text in the wrong encoding: about 0.2.
    return common if common >= 0.45 and len(letters) >= 20 else None
