"""Known-item queries: an article's title, rewritten the way readers type it differently.

Each query takes up to ``MAX_WORDS`` words of a title whose loosely folded start is unique in the corpus
(so exactly one article is the right answer) and applies one to three of the inflection and
spelling changes below to its content words (not stop words, 4+ letters), chosen at random with a
fixed seed:

- add or remove the article ال and the conjunction و; the prepositions ب/ل on a definite noun
  (بال، لل — attached to an indefinite word they are beyond a light stemmer, see the docs);
- plural and feminine suffixes (ات، ون، ين، ة) added to or removed from a noun;
- hamza and alef variants (أ إ آ ↔ ا), ة ↔ ه and ى ↔ ي at the end of a word;
- tashkeel added, tatweel inserted, Western digits written as Eastern Arabic digits.

Nouns are told from verbs crudely: a word starting with ي or ت (the imperfect verb prefixes) gets
only spelling changes, never ال or a noun suffix.

Which headlines are unique and which words are function words is decided by ``bench.textnorm``
(the benchmark's own folding, stop list and loose key), never by the analysis under test.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from bench.textnorm import ARABIC_WORD as _ARABIC_WORD
from bench.textnorm import is_stop, loose_key
from core.record import Article

MAX_WORDS = 6
_HARAKAT = "\u064E\u064F\u0650\u0652"
_EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass
class KnownItem:
    query: str
    target: str  # canonical URL of the one right answer
    title: str
    changes: list[str]


def _add_al(w: str) -> str | None:
    # Not before an attached particle (و، ب، ل، ف، ك): «الوداسيلفا» is no word.
    return None if w.startswith(("ال", "و", "ب", "ل", "ف", "ك")) else "ال" + w


def _drop_al(w: str) -> str | None:
    return w[2:] if w.startswith("ال") and len(w) > 4 else None


def _add_waw(w: str) -> str | None:
    return None if w.startswith("و") else "و" + w


def _drop_waw(w: str) -> str | None:
    return w[1:] if w.startswith("و") and len(w) > 4 else None


def _add_bi(w: str) -> str | None:
    return "ب" + w if w.startswith("ال") else None


def _add_li(w: str) -> str | None:
    return "لل" + w[2:] if w.startswith("ال") else None


def _plural(w: str) -> str | None:
    if w.endswith("ة"):
        return w[:-1] + "ات"
    if w.endswith(("ات", "ون", "ين")):
        return None
    return w + random.choice(("ات", "ون", "ين"))


def _singular(w: str) -> str | None:
    for suffix in ("ات", "ون", "ين"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            return w[: -len(suffix)] + ("ة" if suffix == "ات" else "")
    return None


def _feminine(w: str) -> str | None:
    # Not on a plural or dual ending: «الانتخاباتة» is no word.
    return None if w.endswith(("ة", "ه", "ا", "ى", "ات", "ون", "ين", "ان")) else w + "ة"


def _alef(w: str) -> str | None:
    if w[0] in "أإآ":
        return "ا" + w[1:]
    if w[0] == "ا":
        return random.choice("أإ") + w[1:]
    if "أ" in w:
        return w.replace("أ", "ا", 1)
    return None


def _teh(w: str) -> str | None:
    return w[:-1] + "ه" if w.endswith("ة") else (w[:-1] + "ة" if w.endswith("ه") else None)


def _yeh(w: str) -> str | None:
    return w[:-1] + "ي" if w.endswith("ى") else (w[:-1] + "ى" if w.endswith("ي") else None)


def _tashkeel(w: str) -> str | None:
    return "".join(c + (random.choice(_HARAKAT) if random.random() < 0.6 else "") for c in w)


def _tatweel(w: str) -> str | None:
    return w[:2] + "ـــ" + w[2:] if len(w) >= 4 else None


SPELLING = {"alef/hamza", "ة/ه", "ى/ي", "tashkeel", "tatweel", "add و", "drop و"}
CHANGES = {
    "add ال": _add_al, "drop ال": _drop_al, "add و": _add_waw, "drop و": _drop_waw, "add ب": _add_bi,
    "add ل": _add_li, "plural": _plural, "singular": _singular, "feminine": _feminine, "alef/hamza": _alef,
    "ة/ه": _teh, "ى/ي": _yeh, "tashkeel": _tashkeel, "tatweel": _tatweel,
}


def head_key(title: str, max_words: int = MAX_WORDS) -> tuple[str, ...]:
    """Loose keys of the content words among a title's first ``max_words`` words."""
    return tuple(loose_key(w) for w in title.split()[:max_words] if not is_stop(w) and loose_key(w))


def unique_heads(articles: list[Article], max_words: int = MAX_WORDS) -> list[int]:
    """Indices of articles whose headline start (3+ content words) no other headline shares."""
    heads = [head_key(a.get("title", ""), max_words) for a in articles]
    counts = Counter(heads)
    return [i for i, h in enumerate(heads) if len(h) >= 3 and counts[h] == 1]


def known_items(articles: list[Article], n: int, seed: int = 20150721) -> list[KnownItem]:
    """``n`` known-item queries over titles that identify one article each."""
    rng = random.Random(seed)
    random.seed(seed)  # the change functions draw from the module generator
    candidates = unique_heads(articles)
    items: list[KnownItem] = []
    for i in rng.sample(candidates, min(n, len(candidates))):
        art = articles[i]
        words = art["title"].split()[:MAX_WORDS]
        changes: list[str] = []
        content = [j for j, w in enumerate(words)
                   if _ARABIC_WORD.match(w) and len(w) >= 4 and not is_stop(w)]
        for j in rng.sample(content, min(len(content), rng.randint(1, 3))):
            verb = words[j][0] in "يت"
            for name in rng.sample(list(CHANGES), len(CHANGES)):
                if verb and name not in SPELLING:
                    continue
                new = CHANGES[name](words[j])
                if new and new != words[j]:
                    words[j] = new
                    changes.append(name)
                    break
        query = " ".join(words)
        if any(c.isdigit() for c in query) and rng.random() < 0.5:
            query = query.translate(_EASTERN)
            changes.append("eastern digits")
        items.append(KnownItem(query, art["canonical_url"], art["title"], changes))
    return items


def latency_queries(articles: list[Article], n: int = 100, seed: int = 7) -> list[str]:
    """Typical search-box queries: two or three consecutive words from random titles."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        words = [w for w in rng.choice(articles).get("title", "").split() if _ARABIC_WORD.match(w)]
        if len(words) >= 3:
            k = rng.randint(2, 3)
            start = rng.randrange(0, len(words) - k + 1)
            out.append(" ".join(words[start:start + k]))
    return out
