"""Arabic text analysis shared by indexing and querying.

The chain mirrors Lucene's ``ArabicAnalyzer`` so the embedded backend and an Elasticsearch
custom analyzer built from the same steps produce the same terms:

1. tokenize: a token is a maximal run of word characters (Unicode letters, digits, ``_``) and
   combining marks, so tashkeel stays inside the word and is removed by step 4 rather than
   splitting it;
2. lowercase (``LowerCaseFilter``);
3. fold every Unicode decimal digit (Eastern Arabic ٠-٩, Persian ۰-۹, ...) to ASCII
   (``DecimalDigitFilter``);
4. normalize Arabic (``ArabicNormalizer``): drop harakat U+064B..U+0652, superscript alef
   U+0670 and tatweel; أ إ آ ٱ → ا; ى → ي; ة → ه;
5. drop stop words — the Lucene list, itself normalized, compared with normalized tokens
   (Lucene compares before normalization and so needs redundant spellings; comparing after
   makes one entry cover أن/إن/ان);
6. light stemming (``ArabicStemmer``, Larkey's light10): at most one prefix, then each suffix
   once, in Lucene's order and with Lucene's length checks.

Any change here changes the terms in existing indexes: bump ``ANALYZER_VERSION`` so backends
can tell an index needs rebuilding.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from importlib import resources

ANALYZER_VERSION = 1


def _mark_class() -> str:
    """A regex class body of every combining mark (category M*) in the BMP, built once at import.

    ``re``'s ``\\w`` leaves marks out, which would cut «مُفَاوَضَات» into pieces at each haraka.
    Astral-plane marks (Brahmi, musical notation, ...) are left out on purpose: with them ``re``
    cannot use a bitmap for the class and tokenizing gets twice as slow.
    """
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if unicodedata.category(chr(cp))[0] == "M":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


def _digit_table() -> dict[int, str]:
    """Every Unicode decimal digit that is not ASCII, mapped to its ASCII digit."""
    table: dict[int, str] = {}
    for cp in range(0x80, sys.maxunicode + 1):
        value = unicodedata.decimal(chr(cp), None)
        if value is not None:
            table[cp] = str(value)
    return table


_TOKEN_RE = re.compile(f"[\\w{_mark_class()}]+")

# ArabicNormalizer: deletions and one-to-one foldings, applied with one str.translate.
_HARAKAT = "".join(chr(cp) for cp in range(0x064B, 0x0653))  # fathatan .. sukun
_SUPERSCRIPT_ALEF = "\u0670"
_TATWEEL = "\u0640"
_ARABIC_TABLE: dict[int, str | None] = {ord(c): None for c in _HARAKAT + _SUPERSCRIPT_ALEF + _TATWEEL}
_ARABIC_TABLE.update({ord(c): "ا" for c in "أإآٱ"})
_ARABIC_TABLE.update({ord("ى"): "ي", ord("ة"): "ه"})
_NORMALIZE_TABLE: dict[int, str | None] = {**_digit_table(), **_ARABIC_TABLE}

# ArabicStemmer (light10), in Lucene's order: the first prefix that fits wins.
PREFIXES: tuple[str, ...] = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
SUFFIXES: tuple[str, ...] = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def normalize(text: str) -> str:
    """Lowercase, fold digits and apply Arabic normalization to a whole text, keeping spaces.

    Same character mapping as the token chain, for callers that compare or display text
    (e.g. matching agency names) without splitting it.
    """
    return text.lower().translate(_NORMALIZE_TABLE)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Surface tokens with ``[start, end)`` character offsets into ``text``.

    Offsets point at the original text so the highlighter can mark exactly what the reader wrote.
    """
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def stem(word: str) -> str:
    """Lucene ``ArabicStemmer.stem`` on an already normalized token."""
    n = len(word)
    for prefix in PREFIXES:
        # A one-letter prefix (و) needs a word of 4+ letters; the others need 2 letters left over.
        if len(prefix) == 1 and n < 4:
            continue
        if n < len(prefix) + 2:
            continue
        if word.startswith(prefix):
            word = word[len(prefix):]
            n = len(word)
            break
    for suffix in SUFFIXES:
        # Each suffix is tried once, in order, against the word as shortened so far.
        if n >= len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            n = len(word)
    return word


def _load_stopwords() -> frozenset[str]:
    raw = resources.files("index").joinpath("data/arabic_stopwords.txt").read_text(encoding="utf-8")
    words = (line.strip() for line in raw.splitlines())
    return frozenset(normalize(w) for w in words if w and not w.startswith("#"))


STOPWORDS: frozenset[str] = _load_stopwords()


# Surface token -> term ("" for a dropped token). News vocabularies repeat heavily, so most
# tokens of a bulk index are hits; ``analyze`` reads it with a C-level ``map`` instead of a Python
# call per token, which roughly halves bulk indexing time.
_CACHE: dict[str, str] = {}
_CACHE_MAX = 1_000_000


def _term(tok: str) -> str:
    """Analyze one token through the cache; "" when it is dropped."""
    term = _CACHE.get(tok)
    if term is None:
        norm = tok.lower().translate(_NORMALIZE_TABLE)
        term = "" if not norm or norm in STOPWORDS else stem(norm)
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[tok] = term
    return term


def analyze_token(tok: str) -> str | None:
    """The index term for one surface token, or None for stop words and mark-only tokens."""
    return _term(tok) or None


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` in order (stop words dropped, positions closed up)."""
    toks = _TOKEN_RE.findall(text)
    try:
        terms = list(map(_CACHE.__getitem__, toks))
    except KeyError:  # some token not seen yet: fill only the misses
        get = _CACHE.get
        terms = [t if (t := get(tok)) is not None else _term(tok) for tok in toks]
    return list(filter(None, terms))
