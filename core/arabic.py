"""The Arabic text-normalization table: which marks are dropped and which letters and digits fold.

Extraction (cleanup, dates, credits, the learned boilerplate), the gold-set scoring and the search
analyzer all compare Arabic text with its optional parts taken out. Each used to spell its own
ranges, and they disagreed (one dropped the Quranic annotation marks, two did not), so a phrase
could match in one place and not in the next. The sets are defined here once, as data:

- ``TASHKEEL``: every combining mark Arabic text is written with — the harakat, the extended
  marks after them, the superscript alef, and the Quranic annotation signs (U+0610-U+061A,
  U+06D6-U+06ED) that copy from religious sites carries; plus ``TATWEEL``, the stretching stroke;
- ``LETTER_FOLDS``: spelling variants that never change a word: the alef forms, final ى, ة;
- ``DIGITS``: every non-ASCII decimal digit (Eastern Arabic ٠-٩, Persian ۰-۹, and the rest of
  Unicode) to its ASCII digit, since sites mix them and every numeric rule is written for ASCII.

The search analyzer (``index.analysis``) keeps its own narrower mark set (``HARAKAT``, the
superscript alef and tatweel — its index format depends on it) and builds it from the same
constants. ``core`` sits at the bottom of the layers, so everything above may import this.
"""

from __future__ import annotations

import re
import unicodedata

HARAKAT = "".join(chr(cp) for cp in range(0x064B, 0x0653))  # fathatan .. sukun
EXTENDED_HARAKAT = "".join(chr(cp) for cp in range(0x0653, 0x0660))  # maddah above .. the rare marks to U+065F
SUPERSCRIPT_ALEF = "\u0670"
QURANIC_MARKS = "".join(chr(cp) for cp in (*range(0x0610, 0x061B), *range(0x06D6, 0x06EE)))
TATWEEL = "\u0640"
TASHKEEL = HARAKAT + EXTENDED_HARAKAT + SUPERSCRIPT_ALEF + QURANIC_MARKS

ALEF = "ا"
ALEF_FORMS = "أإآٱ"  # hamza above, hamza below, madda, wasla
LETTER_FOLDS: dict[str, str] = {**dict.fromkeys(ALEF_FORMS, ALEF), "ى": "ي", "ة": "ه"}


DIGIT_PLANES_END = 0x20000  # decimal digits live in planes 0 and 1 (the rest: ideographs, tags, private use)


def _digit_table() -> dict[int, str]:
    """Every Unicode decimal digit that is not ASCII, mapped to its ASCII digit. Only the first two
    planes are scanned (a test checks the others hold none): the whole code space cost every
    process a fifth of a second at import, and each crawl starts several."""
    table: dict[int, str] = {}
    for cp in range(0x80, DIGIT_PLANES_END):
        value = unicodedata.decimal(chr(cp), None)
        if value is not None:
            table[cp] = str(value)
    return table


DIGITS: dict[int, str] = _digit_table()

_WITHOUT_TASHKEEL: dict[int, None] = dict.fromkeys(map(ord, TASHKEEL + TATWEEL))
_FOLDED: dict[int, str | None] = {**_WITHOUT_TASHKEEL, **{ord(k): v for k, v in LETTER_FOLDS.items()}}


# ``str.translate`` with a dict looks every character up (~50 ns each); a regex character class
# scans several times faster, and most lines hold no mark and no non-ASCII digit at all. These run
# on every line of every page (cleanup, credits, the learned boilerplate), so they take the fast path.
_TASHKEEL_RUN = re.compile("[" + re.escape(TASHKEEL + TATWEEL) + "]+")
_OTHER_DIGIT = re.compile(r"[^\D0-9]")  # a Unicode decimal digit (category Nd) that is not ASCII


def strip_tashkeel(text: str) -> str:
    """``text`` without tashkeel and tatweel: the letters as a reader compares them."""
    return _TASHKEEL_RUN.sub("", text)


def fold_digits(text: str) -> str:
    """Eastern Arabic (٠-٩), Persian (۰-۹) and every other decimal digit to ASCII."""
    return text.translate(DIGITS) if _OTHER_DIGIT.search(text) else text


def fold_letters(text: str) -> str:
    """No tashkeel or tatweel, one alef, ي for final ى, ه for ة (digits untouched)."""
    return text.translate(_FOLDED)
