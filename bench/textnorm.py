"""The benchmark's own Arabic text helpers, independent of ``index.analysis``.

The query generators and the relevance rules must not lean on the analysis of the systems they
measure: a generator that used the engine's stemmer to decide what a query is would only ever ask
questions that stemmer already answers. So everything the benchmark needs — folding spelling
variants for counting, telling function words from content words, a loose key for spotting
near-duplicate headlines — is written here from scratch, deliberately simple, and no stemmer.
"""

from __future__ import annotations

import re
from collections import Counter

from core.record import Article

# Short vowels, tanween, shadda, sukun, dagger alef; and the tatweel that stretches a word.
_MARKS = dict.fromkeys(map(ord, "\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0670\u0640"))
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                       **{chr(0x0660 + d): str(d) for d in range(10)},
                       **{chr(0x06F0 + d): str(d) for d in range(10)}})
# Arabic letters only: no tatweel (U+0640), marks or digits.
ARABIC_WORD = re.compile(r"^[\u0621-\u063A\u0641-\u064A]+$")
_TOKEN = re.compile(r"[\u0621-\u064A\u0660-\u0669\u06F0-\u06F90-9]+")
_SURFACE = re.compile(r"[\u0621-\u063A\u0641-\u064A]+")

# Function words as a reader would skip them, written in ordinary spelling and folded when used.
# A hand list, not the engine's.
_STOP_WORDS = """
في من على إلى عن مع أن إن لا ما لم لن قد هذا هذه ذلك تلك هو هي هم هما التي الذي الذين اللذين
أو أم ثم بل كل بعض غير بين بعد قبل حتى عند منذ خلال حول ضد أمام تحت فوق دون عبر لدى نحو
له لها لهم به بها فيه فيها منه منها عليه عليها إليه إليها عنه عنها كان كانت يكون تكون ليس
إذا إذ كما أي أيضا حيث لكن لأن أنه أنها وفي ومن وعلى وإلى وعن ومع وأن ولا وما وقد يا
إلا أما لما مما كيف متى أين هل كذلك هناك هنا جدا فقط
"""

# Proclitic stacks a loose key peels, longest first; a light touch, only for near-duplicate tests.
_LOOSE_PREFIXES = ("وبال", "فبال", "وكال", "فكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال", "و")
_LOOSE_SUFFIXES = ("ات", "ون", "ين", "ان", "ه", "ي")


def strip_marks(text: str) -> str:
    return text.translate(_MARKS)


def fold(text: str) -> str:
    """Spelling-insensitive form: marks and tatweel gone, alef forms, ى/ي, ة/ه and digits unified.

    Used where the benchmark counts or compares words; never to build the text of a query.
    """
    return strip_marks(text).translate(_FOLD)


_STOP = frozenset(fold(w) for w in _STOP_WORDS.split())


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def is_stop(word: str) -> bool:
    return fold(word) in _STOP


def loose_key(word: str) -> str:
    """Deliberately over-folding key (one proclitic stack and one ending peeled off).

    It only decides which headlines count as "the same" when picking known items, and errs on
    the side of calling two headlines the same, so a target is never one of two near-twins.
    """
    w = fold(word)
    for p in _LOOSE_PREFIXES:
        if w.startswith(p) and len(w) - len(p) >= 3:
            w = w[len(p):]
            break
    for s in _LOOSE_SUFFIXES:
        if w.endswith(s) and len(w) - len(s) >= 3:
            return w[: -len(s)]
    return w


def surface_words(text: str) -> list[str]:
    """The written words of ``text`` (marks and tatweel removed, letters as written)."""
    return _SURFACE.findall(strip_marks(text))


def surface_counts(articles: list[Article]) -> Counter[str]:
    """Occurrences of every written word over titles and bodies, marks and tatweel removed.

    Hamza seats, ة and ى are kept as written, so a form counted here is a spelling people use.
    """
    counts: Counter[str] = Counter()
    for art in articles:
        counts.update(surface_words(art.get("title", "") + " " + art.get("text", "")))
    return counts
