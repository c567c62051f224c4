"""Root variants: another derivation of the same three-letter root, found by letter templates.

Arabic derives words from a consonant root through patterns (أوزان). A reader looking for
«المفاوضات النووية» may type «التفاوض النووي»; for «تدريب المعلمين», «درب المعلمين» is unlikely
but «مدرب» or «تدريبي» is not. A light stemmer, which only trims affixes, cannot join these; a
root-aware search can. The templates below write each pattern over the root letters 1, 2, 3
(فعل = 123, مفاعلات = م1ا23ات, ...). A headline word (after an article-bearing proclitic is set
aside) that fits a template gives a root; the root put into a paired template gives candidate
words, and a candidate is kept only when that exact written word (marks aside, hamza seat as
written) occurs in the corpus at least ``MIN_COUNT`` times — so every replacement is a word people
actually write, never a guess.

The pairs follow the derivations readers swap in practice (verbal noun ↔ verb, noun ↔ participle):
مفاعلات/مفاعلة ↔ تفاعل, فعال ↔ فعل, مفعول ↔ فعل, تفعيل ↔ فعل, افتعال ↔ يفتعل/افتعل,
استفعال ↔ يستفعل/مستفعل, انفعال ↔ ينفعل. And the adverbial accusative with tanween alif
(قريبًا ↔ قريب) for فعيل/فاعل/فعال adjectives. Roots with a weak radical (ا، و، ي) are skipped:
the templates misread them («مليون» as مفعول of ل-ي-ن) and the corpus check alone would let the
resulting real-but-unrelated words through. Sound roots misfire too («الحجاز» → «الحجز», «قطار» →
«قطر»): same letters, another meaning. So a replacement must also be associated with the word it
replaces (``association``): the two occur in the same articles at least ``MIN_TOGETHER`` times and
at least ``MIN_LIFT`` times as often as chance would have them. Derivations that share a meaning
(مفاوضات/تفاوض، استثمار/يستثمر) attract each other in news text; homographs do not.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bench.textnorm import strip_marks, surface_words
from core.record import Article

MIN_COUNT = 10
MIN_TOGETHER = 3
MIN_LIFT = 2.0
TEMPLATES: dict[str, str] = {
    "فعل": "123", "فعال": "12ا3", "فاعل": "1ا23", "فعيل": "12ي3", "مفعول": "م12و3", "تفعيل": "ت12ي3",
    "تفاعل": "ت1ا23", "مفاعلة": "م1ا23ة", "مفاعلات": "م1ا23ات", "افتعال": "ا1ت2ا3", "افتعل": "ا1ت23",
    "يفتعل": "ي1ت23", "انفعال": "ان12ا3", "ينفعل": "ين123", "استفعال": "است12ا3", "يستفعل": "يست123",
    "مستفعل": "مست123",
}
_PAIRS = [("مفاعلات", "تفاعل"), ("مفاعلة", "تفاعل"), ("فعال", "فعل"), ("مفعول", "فعل"), ("تفعيل", "فعل"),
          ("افتعال", "يفتعل"), ("افتعال", "افتعل"), ("استفعال", "يستفعل"), ("استفعال", "مستفعل"),
          ("انفعال", "ينفعل")]
PAIRED: dict[str, list[str]] = {}
for _a, _b in _PAIRS:
    PAIRED.setdefault(_a, []).append(_b)
    PAIRED.setdefault(_b, []).append(_a)
VERBS = {"يفتعل", "افتعل", "يستفعل", "ينفعل"}  # take no article
_ADJECTIVES = ("فعيل", "فاعل", "فعال")
# Article-bearing proclitics set aside before matching (a single و/ب/ل is too often a radical).
_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")
_LETTER = "([\u0621-\u064A])"
_REGEX = {name: re.compile("^" + "".join(_LETTER if c in "123" else c for c in t) + "$")
          for name, t in TEMPLATES.items()}
_TANWEEN_ALIF = ("\u064Bا", "ا\u064B")
_WEAK = set("اويىة")


@dataclass
class Variant:
    word: str  # the replacement, as it goes into the query
    change: str  # e.g. "مفاعلات→تفاعل"
    count: int  # occurrences of the replacement in the corpus


def _split(word: str) -> tuple[str, str]:
    for p in _PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 3:
            return p, word[len(p):]
    return "", word


def _fill(template: str, root: tuple[str, str, str]) -> str:
    return "".join(root[int(c) - 1] if c in "123" else c for c in template)


def variants(word: str, counts: Counter[str]) -> list[Variant]:
    """Every paired derivation of ``word``'s root (and its tanween form) that the corpus uses."""
    out: list[Variant] = []
    for end in _TANWEEN_ALIF:
        if word.endswith(end) and counts[strip_marks(word[:-2])] >= MIN_COUNT:
            out.append(Variant(word[:-2], "فعيلًا→فعيل", counts[strip_marks(word[:-2])]))
    prefix, stem = _split(word)
    for name, regex in _REGEX.items():
        m = regex.match(stem)
        if not m:
            continue
        root = (m.group(1), m.group(2), m.group(3))
        if _WEAK & set(root):
            continue
        if name in _ADJECTIVES and not prefix:
            form = stem + "\u064Bا"
            if counts[strip_marks(form)] >= MIN_COUNT:
                out.append(Variant(form, f"{name}→{name}ًا", counts[strip_marks(form)]))
        for other in PAIRED.get(name, []):
            form = _fill(TEMPLATES[other], root)
            new = form if other in VERBS or name in VERBS else prefix + form
            if new != word and counts[strip_marks(new)] >= MIN_COUNT:
                out.append(Variant(new, f"{name}→{other}", counts[strip_marks(new)]))
    return out


def association(pairs: set[tuple[str, str]], articles: list[Article]) -> dict[str, list[float]]:
    """``"word|replacement"`` → [articles with both, lift over chance] for each pair (one corpus pass)."""
    partners: dict[str, set[str]] = {}
    for a, b in pairs:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    df: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    for art in articles:
        present = set(surface_words(art.get("title", "") + " " + art.get("text", ""))) & partners.keys()
        df.update(present)
        for w in present:
            for other in partners[w] & present:
                together[w, other] += 1
    n = len(articles)
    out: dict[str, list[float]] = {}
    for a, b in pairs:
        both = together[a, b]
        lift = both * n / (df[a] * df[b]) if df[a] and df[b] else 0.0
        out[f"{a}|{b}"] = [both, round(lift, 3)]
    return out


def associated(stats: list[float] | None) -> bool:
    return bool(stats) and stats[0] >= MIN_TOGETHER and stats[1] >= MIN_LIFT
