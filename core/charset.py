"""Decoding HTML whose charset is missing or wrong, as Arabic sites often serve it.

The order browsers use comes first (BOM, HTTP ``charset``, ``<meta>``; via w3lib, as Scrapy does).
Two repairs follow, each reported (``Decoded.repaired``) so it can be counted:

- a legacy single-byte label (ISO-8859-6, windows-1256, Latin-1) on bytes that are overwhelmingly
  valid UTF-8 — CMSs that moved to UTF-8 and kept the old header — is overruled: the text is UTF-8,
  and stray runs of legacy bytes in it (an old include, an ad snippet) are decoded on their own;
- when the result is plainly broken — bytes not valid in the declared (or defaulted) UTF-8, or a
  Latin-1 label on text that is really Arabic windows-1256 / ISO-8859-6 — the encoding is detected
  from the bytes with charset-normalizer.

NUL and other control characters (C0 but whitespace, DEL, C1) are dropped from the decoded text:
lxml turns a NUL into U+FFFD, and neither an index nor a terminal has a use for any of them.
:func:`control_bytes` counts the raw bytes so the crawl can report them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode

HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str) -> bool:
    """Whether a Content-Type header names an HTML page (parameters such as charset ignored)."""
    return content_type.split(";")[0].strip().lower() in HTML_TYPES


# The WHATWG MIME Sniffing standard's "binary data bytes": C0 controls that never occur in text
# (tab, newline, form feed, carriage return and ESC do).
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# Signatures of formats that get served as text/html by mistake (images, PDFs, archives, media).
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"%PDF-", b"PK\x03\x04",
               b"\x1f\x8b\x08", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"RIFF",
               b"OggS", b"ID3", b"wOFF", b"wOF2", b"\x00\x00\x01\x00", b"\x1aE\xdf\xa3")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
BINARY_SAMPLE = 64 * 1024  # bytes looked at: enough that a few stray bytes are a small share
BINARY_SHARE = 0.01  # more binary data bytes than this share of the sample: not text
BINARY_MIN = 8  # ... and more than this many, so one NUL in a short page is not enough


def control_bytes(body: bytes, sample: int = BINARY_SAMPLE) -> int:
    """How many binary data bytes (NUL and other C0 controls text never holds) are in the first
    ``sample`` bytes; 0 for UTF-16 text (with a BOM), whose ASCII characters are half NULs."""
    head = body[:sample]
    if head.startswith(_UTF16_BOMS):
        return 0
    return len(head) - len(head.translate(None, _BINARY_BYTES))


def looks_binary(body: bytes, sample: int = BINARY_SAMPLE) -> bool:
    """Whether bytes labelled as text are really an image, archive or other binary: a known file
    signature, or a share of binary data bytes no text has. A stray NUL or two in an otherwise
    normal page does not make it binary (it is stripped when decoding, see ``decode_html``)."""
    head = body[:sample]
    if not head:
        return False
    if head.startswith(_SIGNATURES) or head[4:8] == b"ftyp":  # ftyp: MP4 / QuickTime / HEIF
        return True
    binary = control_bytes(head, sample)
    return binary > BINARY_MIN and binary > BINARY_SHARE * len(head)


_LATIN_LABELS = {"latin_1", "iso8859-1", "iso8859_1", "cp1252", "windows-1252", "ascii", "us-ascii"}
_LATIN = frozenset(codecs.lookup(x).name for x in _LATIN_LABELS)
_ARABIC = frozenset(codecs.lookup(x).name for x in ("iso-8859-6", "windows-1256"))
# Labels under which a UTF-8 body is a mislabel worth checking for: single-byte charsets, where valid
# UTF-8 multi-byte sequences in real text are rare accidents.
_LEGACY_SINGLE_BYTE = _LATIN | _ARABIC
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ASCII = bytes(range(0x80))
UTF8_MIN_BYTES = 8  # valid non-ASCII UTF-8 bytes needed before a legacy label is overruled
UTF8_SHARE = 0.8  # ... and the share of all non-ASCII bytes they must be
# C0 controls that are not whitespace, dropped from decoded text (NUL first among them)
# Control characters dropped from decoded text: C0 except whitespace, DEL, and C1 (U+0080-U+009F,
# what a single-byte table makes of stray bytes; a terminal reads U+009B as the start of a sequence).
_STRIP_CONTROLS = dict.fromkeys([*(c for c in range(0x20) if chr(c) not in "\t\n\r\f"), *range(0x7F, 0xA0)])
_ANY_CONTROL = re.compile("[" + "".join(map(chr, _STRIP_CONTROLS)) + "]")  # a scan, not a translate, for clean pages
_LONE_BYTES = re.compile("[\udc80-\udcff]+")  # bytes surrogateescape could not decode as UTF-8


@dataclass(frozen=True)
class Decoded:
    encoding: str
    text: str
    repaired: bool = False  # the declared/default encoding was wrong and was replaced


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


def _legacy_score(text: str) -> int:
    """How much a decoding reads like Arabic prose: letters count, replacement characters and
    stray diacritics (what a wrong single-byte table turns letters into) count against."""
    letters = sum(1 for ch in text if ch.isalpha() and "\u0600" <= ch <= "\u06ff")
    marks = sum(1 for ch in text if "\u064b" <= ch <= "\u0652")
    return letters - marks - 2 * text.count("\ufffd")


def _mostly_utf8(body: bytes, label: str) -> str | None:
    """The body as UTF-8 when its non-ASCII bytes are overwhelmingly valid UTF-8, else None.

    Runs of bytes that are not UTF-8 are decoded with one legacy charset, chosen over all of them at
    once (the label's own, windows-1256 or ISO-8859-6, whichever reads as the most Arabic), since
    short runs alone cannot tell the two Arabic tables apart."""
    non_ascii = len(body.translate(None, _ASCII))
    if non_ascii < UTF8_MIN_BYTES:
        return None  # ASCII (or nearly): every label reads it the same
    text = body.decode("utf-8", "surrogateescape")
    runs = [m.encode("utf-8", "surrogateescape") for m in _LONE_BYTES.findall(text)]
    invalid = sum(len(r) for r in runs)
    if non_ascii - invalid < max(UTF8_MIN_BYTES, UTF8_SHARE * non_ascii):
        return None
    if not runs:
        return text
    sample = b" ".join(runs)
    legacy = max(dict.fromkeys([label, "cp1256", "iso8859-6"]),
                 key=lambda enc: _legacy_score(sample.decode(enc, "replace")))
    return _LONE_BYTES.sub(lambda m: m.group().encode("utf-8", "surrogateescape").decode(legacy, "replace"), text)


def _without_controls(decoded: Decoded) -> Decoded:
    if not _ANY_CONTROL.search(decoded.text):
        return decoded
    return Decoded(decoded.encoding, decoded.text.translate(_STRIP_CONTROLS), decoded.repaired)


def decode_html(body: bytes, content_type: str = "") -> Decoded:
    """The page's text, decoded as the module docstring says (controls dropped)."""
    return _without_controls(_decode(body, content_type))


def _decode(body: bytes, content_type: str) -> Decoded:
    encoding, text = html_to_unicode(content_type or None, body)
    if body.startswith(_BOMS):
        return Decoded(encoding, text)
    label = codecs.lookup(encoding).name
    if label in _LEGACY_SINGLE_BYTE:
        utf8 = _mostly_utf8(body, label)
        if utf8 is not None:
            return Decoded("utf-8", utf8, repaired=True)
    broken = text.count("\ufffd") > max(3, len(text) // 1000)
    latin_mislabel = label in _LATIN and _latin1_share(text) > 0.3
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
