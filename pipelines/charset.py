"""Decoding HTML whose charset is missing or wrong, as Arabic sites often serve it.

The order browsers use comes first (BOM, HTTP ``charset``, ``<meta>``; via w3lib, as Scrapy does).
Only when that plainly failed — bytes that are not valid in the declared (or defaulted) UTF-8, or a
Latin-1 label on text that is really Arabic windows-1256 / ISO-8859-6 — is the encoding detected
from the bytes with charset-normalizer, and the repair is reported so it can be counted.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode

HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str) -> bool:
    """Whether a Content-Type header names an HTML page (parameters such as charset ignored)."""
    return content_type.split(";")[0].strip().lower() in HTML_TYPES


def looks_binary(body: bytes, sample: int = 4096) -> bool:
    """Bytes a text page cannot contain: NULs, or mostly control characters (an image or archive
    served as text/html)."""
    head = body[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(head) > 0.1


_LATIN_LABELS = {"latin_1", "iso8859-1", "iso8859_1", "cp1252", "windows-1252", "ascii", "us-ascii"}
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Decoded:
    encoding: str
    text: str
    repaired: bool = False  # the declared/default encoding was wrong and was replaced by detection


def _arabic_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum("\u0600" <= ch <= "\u06ff" for ch in letters) / len(letters)


def _latin1_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum("\u00c0" <= ch <= "\u00ff" for ch in letters) / len(letters)


def decode_html(body: bytes, content_type: str = "") -> Decoded:
    encoding, text = html_to_unicode(content_type or None, body)
    if body.startswith(_BOMS):
        return Decoded(encoding, text)
    broken = text.count("\ufffd") > max(3, len(text) // 1000)
    latin_mislabel = codecs.lookup(encoding).name in {codecs.lookup(x).name for x in _LATIN_LABELS} \
        and _latin1_share(text) > 0.3
    if not (broken or latin_mislabel):
        return Decoded(encoding, text)
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        return Decoded(encoding, text)
    guessed = str(best)
    if _arabic_share(guessed) > max(0.3, _arabic_share(text)) or (broken and "\ufffd" not in guessed):
        return Decoded(best.encoding, guessed, repaired=True)
    return Decoded(encoding, text)
