"""Arabic text analysis shared by indexing and querying, in three strengths.

Every token gets three forms, each stored in its own field by both backends (and a long word a
fourth, kept with the roots):

- **exact**: the normalized surface form. Queries boost it, so «المفاوضات» ranks a document that
  says «المفاوضات» above one that says «تفاوض».
- **stem** (the main field): exact, then light stemming — stacked proclitics and plural, dual,
  feminine and tanween-alif endings. Most inflections of a word meet here.
- **root**: a low-weight, aggressive form (the ISRI root of the exact form, with a weak middle
  radical folded), so derivations like «تفاوض» and «مفاوضات» still meet below exact matches.
- **skeleton**: the word without its proclitics (and any «ال» left) and without the letters that spell long vowels
  (ا و ي ى), marked with a leading ``_`` and kept only when ``SKELETON_MIN`` letters remain.
  Loanwords and foreign names are spelled with and without those letters by different newsrooms
  and eras («ديموقراطية»/«ديمقراطية», «واشنطون»/«واشنطن», «تكنولوجيا»/«تكنلوجيا»,
  «إليكتروني»/«إلكتروني») and ISRI, made for Arabic patterns, treats each spelling differently;
  the skeleton makes them meet at root weight. Short words are left out: there the skeleton
  would mostly join unrelated words, and the root already covers their derivations.

The chain to the stem form:

1. tokenize: a token is a maximal run of word characters (Unicode letters, digits, ``_``) and
   combining marks, so tashkeel stays inside the word and is removed by step 4 rather than
   splitting it;
2. lowercase;
3. fold every Unicode decimal digit (Eastern Arabic ٠-٩, Persian ۰-۹, ...) to ASCII;
4. normalize Arabic: drop harakat U+064B..U+0652, superscript alef U+0670 and tatweel;
   أ إ آ ٱ → ا; ى → ي; ة → ه; ؤ ئ → ء (the hamza's seat is a spelling habit);
5. drop stop words (the Lucene list, normalized, compared with normalized tokens);
6. light stemming as ordered regular-expression rules (``STEM_RULES``): one proclitic group, then
   each suffix once, in order, each with a guard on what must remain. The rules are data: the
   Elasticsearch mapping sends the very same patterns to ``pattern_replace`` filters, so both
   backends produce the same terms by construction (a test compares them through ``_analyze``).

Steps 1–5 give the exact form. The root form is computed here only; the Elasticsearch backend is
sent it already analyzed.

Any change here changes the terms in existing indexes: bump ``ANALYZER_VERSION`` so backends
can tell an index needs rebuilding.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from core.arabic import DIGITS, HARAKAT, LETTER_FOLDS, SUPERSCRIPT_ALEF, TATWEEL

ANALYZER_VERSION = 6


@lru_cache(maxsize=1)
def _isri_stemmer() -> Any:
    """nltk's ISRI stemmer, made on the first root asked for: importing nltk costs ~0.4 s, which a
    process that never analyzes text (a crawl or reindex whose workers analyze) need not pay.
    Imported with ``scipy.stats`` out of reach. nltk's package init imports
    scipy.stats whenever scipy is installed (datasketch brings it) for collocation statistics this
    project never uses: over a second of start-up for every ``akhbar`` command, crawl and worker.
    nltk falls back without it; the entry is removed again so anything else imports scipy.stats as
    usual.

    Its three patterns (one-character classes: short vowels, hamza forms, initial hamza) are
    compiled again with ``re``: nltk's ``redos`` wrapper runs every call through the ``regex``
    engine under a wall-clock timeout, a guard for caller-supplied patterns that doubles the cost
    of stemming a word (~21 → ~11 µs) here, where the patterns are fixed and linear. A test checks
    the roots are the same either way."""
    hidden = "scipy.stats" not in sys.modules
    if hidden:
        sys.modules["scipy.stats"] = None  # type: ignore[assignment]  # makes ``import scipy.stats`` fail
    try:
        from nltk.stem.isri import ISRIStemmer
    finally:
        if hidden:
            del sys.modules["scipy.stats"]
    stemmer = ISRIStemmer()
    for name in _ISRI_PATTERNS:
        pattern = getattr(getattr(stemmer, name, None), "pattern", None)
        if isinstance(pattern, str):  # an nltk without one of them keeps its own
            setattr(stemmer, name, re.compile(pattern))
    return stemmer


_ISRI_PATTERNS = ("re_short_vowels", "re_hamza", "re_initial_hamza")


def preload() -> None:
    """Load what the first analysis would (nltk's stemmer) now: the extraction workers' forkserver
    calls it so that every worker starts with it, shared, instead of importing it on its first page."""
    _isri_stemmer()


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


TOKEN_PATTERN = f"[\\w{_mark_class()}]+"
_TOKEN_RE = re.compile(TOKEN_PATTERN)

# Normalization: deletions and one-to-one foldings, applied with one str.translate.
# The constants are core.arabic's; the search keeps the narrow mark set (harakat, superscript alef,
# tatweel), which its index format depends on.
_ARABIC_TABLE: dict[int, str | None] = {ord(c): None for c in HARAKAT + SUPERSCRIPT_ALEF + TATWEEL}
_ARABIC_TABLE.update({ord(k): v for k, v in LETTER_FOLDS.items()})
# The seat of a medial hamza varies by country and desk («مسؤول»/«مسئول», «شؤون»/«شئون»): one form.
_ARABIC_TABLE.update({ord(c): "ء" for c in "ؤئ"})
_NORMALIZE_TABLE: dict[int, str | None] = {**DIGITS, **_ARABIC_TABLE}


def _data(name: str) -> list[str]:
    """Non-comment lines of a file in ``index/data``."""
    raw = resources.files("index").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


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


def _alternation(words: list[str]) -> str:
    """A regex matching exactly ``words``, factored as a trie so matching costs the word's length,
    not the list's (the same pattern runs in Python's ``re`` and Java's ``java.util.regex``)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            body = f"(?:{body})?"
        return body

    return emit(trie)


# Words whose leading و is a root letter («وزير», «وزاره», «واشنطن»): see bench/lexicon.py.
WAW_INITIAL: tuple[str, ...] = tuple(sorted({normalize(w) for w in _data("waw_initial.txt")}))


@dataclass(frozen=True)
class StemRule:
    """One light-stemming step: replace ``pattern`` (anchored) by group 1 or by nothing.

    ``keep`` says whether the replacement is group 1 (suffix rules keep the start of the word) or
    empty (the proclitic rule drops the match). Written once, applied by ``re`` here and sent as an
    Elasticsearch ``pattern_replace`` filter by ``index.es_mapping``.
    """

    name: str
    pattern: str
    keep: bool
    # A suffix rule is also kept as (ending, letters that must remain), which Python applies with
    # string tests instead of a regex — the same rule, several times faster on every new word.
    ending: str = ""
    min_left: int = 0

    def python(self) -> tuple[re.Pattern[str], str]:
        return re.compile(self.pattern), r"\1" if self.keep else ""

    def java_replacement(self) -> str:
        return "$1" if self.keep else ""


# Proclitics: at most one group is removed, the first alternative that fits (as in Larkey's light10,
# which Lucene's ArabicStemmer follows), extended to the stacks Arabic writes: و/ف + ب/ك + ال
# («وبالصور»), و/ف + لل («وللمسجد»). Each must leave 2+ letters; the bare conjunction و needs 3+ and
# is kept on words whose و is part of the word. ف and ب/ك/ل alone are never stripped: too many
# words begin with them («فريق», «بلد», «كلمة», «لبنان»). A listed word protects its inflections
# too (it is matched as a prefix): «وزير» keeps the و of «وزيرات» and «وزيرة».
_PROCLITIC = (
    "^(?:[وف][بك]ال(?=..)|[وف]لل(?=..)|[وف]ال(?=..)|[بك]ال(?=..)|لل(?=..)|ال(?=..)"
    f"|و(?!{_alternation([w[1:] for w in WAW_INITIAL])})(?=...))"
)


def _suffix(ending: str, min_left: int = 2) -> StemRule:
    return StemRule(f"-{ending}", f"^(.{{{min_left},}}?){ending}$", keep=True, ending=ending, min_left=min_left)


STEM_RULES: tuple[StemRule, ...] = (
    StemRule("proclitics", _PROCLITIC, keep=False),
    # Verbal plural «قالوا» and tanween-alif «قريبًا» (normalized to «قريبا») first, so the endings
    # below still apply to what is left («سوريا» → «سوري» → «سور», like «سورية»).
    _suffix("وا", 3),
    _suffix("ا", 3),
    # light10's suffixes in Lucene's order; ة/ية are gone after normalization (ة → ه).
    # ان (the dual) must leave 4: news is full of nouns and names that end in ان — «إعلان», «بيان»,
    # «مكان», «إيران», «لبنان», «رمضان» — and light10's 2 cut them to «اعل», «بي», «مك».
    _suffix("ها"), _suffix("ان", 4),
    *(_suffix(s) for s in ("ات", "ون", "ين", "يه", "ه", "ي")),
)
_COMPILED = tuple(rule.python() for rule in STEM_RULES)


_PROCLITIC_RE = re.compile(STEM_RULES[0].pattern)
_SUFFIXES = tuple((r.ending, len(r.ending) + r.min_left) for r in STEM_RULES[1:])
assert all(r.keep and r.ending for r in STEM_RULES[1:]) and not STEM_RULES[0].keep


def stem(word: str) -> str:
    """Light stem of an already normalized token: ``STEM_RULES`` in order, each at most once (the
    suffix rules as the string tests they encode; tests check both forms agree)."""
    word = _PROCLITIC_RE.sub("", word, count=1)
    for ending, min_len in _SUFFIXES:
        if len(word) >= min_len and word.endswith(ending):
            word = word[: -len(ending)]
    return word


def stem_by_patterns(word: str) -> str:
    """``stem`` applying every rule's regular expression, as the Elasticsearch filters do."""
    for pattern, repl in _COMPILED:
        word = pattern.sub(repl, word, count=1)
    return word


STOPWORDS: frozenset[str] = frozenset(normalize(w) for w in _data("arabic_stopwords.txt"))

_ROOT_CACHE = 50_000  # roots and skeletons of headline and lead words; bounded like _CACHE_MAX below
_ARABIC_WORD = re.compile(r"^[\u0621-\u064A]+$")
_WEAK = frozenset("اوي")


@lru_cache(maxsize=_ROOT_CACHE)
def root(exact: str) -> str:
    """The aggressive form of a normalized token: ISRI's root of the word without its proclitics
    (ISRI knows fewer stacks than ``STEM_RULES``), a weak middle radical dropped.

    ISRI alone gives «فوض» for «تفاوض» but «فاض» for «مفاوضات»: the middle radical of a hollow
    root surfaces as ا, و or ي depending on the pattern, so it is folded away («فض» for both).
    Non-Arabic tokens (digits, Latin) are their own root.
    """
    if not _ARABIC_WORD.match(exact):
        return exact
    out = _isri_stemmer().stem(_PROCLITIC_RE.sub("", exact, count=1))
    if len(out) == 3 and out[1] in _WEAK:
        out = out[0] + out[2]
    return out or exact


SKELETON_MIN = 4
SKELETON_MARK = "_"  # a token character to both tokenizers (FTS5 declares it), in no root or stem
_LONG_VOWEL_LETTERS = str.maketrans("", "", "اويى")


@lru_cache(maxsize=_ROOT_CACHE)
def skeleton(exact: str) -> str:
    """The skeleton form of a normalized token (see the module docstring), or "" for a short or
    non-Arabic word."""
    if not _ARABIC_WORD.match(exact):
        return ""
    core = _PROCLITIC_RE.sub("", exact, count=1)
    # A word of its own starting with «ال» («إلكتروني», «التزام») looks like an article plus a word
    # to the proclitic rules, so it keeps or loses those letters depending on whether the article
    # was written too: the skeleton drops one more leading «ال» either way.
    if core.startswith("ال"):
        core = core[2:]
    core = core.translate(_LONG_VOWEL_LETTERS)
    return SKELETON_MARK + core if len(core) >= SKELETON_MIN else ""


@dataclass(frozen=True)
class Forms:
    exact: str
    stem: str

    @property
    def root(self) -> str:
        """Computed on first use (ISRI is the slow part; highlighting rarely needs it)."""
        return root(self.exact)

    @property
    def skeleton(self) -> str:
        return skeleton(self.exact)


# Surface token -> its forms (None for a dropped token). News vocabularies repeat heavily, so most
# tokens of a bulk index are hits. The caches are bounded, since every extraction worker keeps its
# own and a vocabulary keeps growing with the archive (76k surface forms in 1,000 SaudiNewsNet
# articles, 188k in 10,000): each holds two generations of up to _CACHE_MAX entries — when the
# young one is full it becomes the old one and the oldest words go, and a word found only in the old
# generation moves back to the young — so words in use stay cached (close to an LRU, at dict speed)
# while memory stays flat however long a crawl or reindex runs.
_CACHE_MAX = 25_000


class _Generations(dict):
    """The young generation of a bounded two-generation cache; ``fill`` computes a missing value."""

    def __init__(self, fill: Callable[[str], Any]) -> None:
        super().__init__()
        self.fill = fill
        self.old: dict[str, Any] = {}

    def __missing__(self, key: str) -> Any:
        value = self.old[key] if key in self.old else self.fill(key)
        if len(self) >= _CACHE_MAX:
            self.old = dict(self)
            self.clear()
        self[key] = value
        return value


def _new_forms(tok: str) -> Forms | None:
    norm = tok.lower().translate(_NORMALIZE_TABLE)
    return None if not norm or norm in STOPWORDS else Forms(norm, stem(norm))


_FORMS = _Generations(_new_forms)


def forms(tok: str) -> Forms | None:
    """Exact, stem and root forms of one surface token, or None for stop words and mark-only tokens."""
    return _FORMS[tok]


class _SurfaceMap(_Generations):
    """Surface token → one of its forms ("" for a dropped token), filled on first lookup, so a
    whole text maps through ``map(m.__getitem__, tokens)`` at C speed once its words are known."""

    def __init__(self, form: str) -> None:
        super().__init__(self._form)
        self.form = form

    def _form(self, tok: str) -> str:
        f = forms(tok)
        return getattr(f, self.form) if f else ""


EXACT_OF = _SurfaceMap("exact")
STEM_OF = _SurfaceMap("stem")
ROOT_OF = _SurfaceMap("root")
SKELETON_OF = _SurfaceMap("skeleton")


def _terms(form_of: _SurfaceMap, toks: list[str]) -> list[str]:
    """One form of each token, dropped tokens left out (every kept token has all three forms, so
    the lists of a text's exact, stem and root terms stay parallel)."""
    return list(filter(None, map(form_of.__getitem__, toks)))


def analyze_token(tok: str) -> str | None:
    """The stem term for one surface token, or None for stop words and mark-only tokens."""
    return STEM_OF[tok] or None


def analyze(text: str) -> list[str]:
    """Stem terms of ``text`` in order (stop words dropped, positions closed up)."""
    return _terms(STEM_OF, _TOKEN_RE.findall(text))


def roots_of(text: str) -> list[str]:
    """Root terms of ``text`` in order."""
    return _terms(ROOT_OF, _TOKEN_RE.findall(text))


def skeletons_of(text: str) -> list[str]:
    """Skeleton terms of the long words of ``text``, in order (not parallel to the other forms:
    short words have none)."""
    return _terms(SKELETON_OF, _TOKEN_RE.findall(text))


def aggressive_terms(text: str) -> list[str]:
    """What the root fields hold for ``text``: its roots, then the skeletons of its long words."""
    toks = _TOKEN_RE.findall(text)
    return _terms(ROOT_OF, toks) + _terms(SKELETON_OF, toks)


def analyze_forms(text: str, *, roots: bool = True) -> tuple[list[str], list[str], list[str]]:
    """Exact, stem and (unless ``roots`` is false: ISRI is the costly part) root terms of ``text``,
    each in order — what the index stores per field."""
    toks = _TOKEN_RE.findall(text)
    return _terms(EXACT_OF, toks), _terms(STEM_OF, toks), _terms(ROOT_OF, toks) if roots else []
