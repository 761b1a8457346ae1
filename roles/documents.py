"""What an uploaded document really is, told by its first bytes and not by its name.

The order on the use of Sferum is a scan or a document: PDF, JPEG or PNG, Word (.doc, .docx) or
OpenDocument (.odt). Anything else (an executable, an HTML page, a renamed file) is refused.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

HEAD = 8


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str


PDF = Kind("application/pdf", "pdf")
JPEG = Kind("image/jpeg", "jpg")
PNG = Kind("image/png", "png")
DOC = Kind("application/msword", "doc")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
ODT = Kind("application/vnd.oasis.opendocument.text", "odt")


def sniff(file) -> Kind | None:
    """The kind of the document in `file` (a file object, read from its start), or None."""
    file.seek(0)
    head = file.read(HEAD)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC  # an OLE compound file: Word 97–2003
    if head.startswith(b"PK\x03\x04"):
        return _zipped(file)
    return None


def _zipped(file) -> Kind | None:
    try:
        data = file.read()
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names and archive.read("mimetype").strip() == ODT.content_type.encode():
            return ODT
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return DOCX
        return None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    finally:
        file.seek(0)
