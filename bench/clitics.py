"""Word rewrites for two query classes: typed inflections (3-word known items) and stacked proclitics.

Arabic writes conjunctions, prepositions and the article onto the word, and they stack: و/ف
(and, so) + ب/ك (with, like) + ال (the) gives وبالصور، فبالمسجد، وكالعادة; و/ف + لل (for the)
gives وللمسجد. A light stemmer removes one prefix from a closed list (ال، وال، بال، كال، فال، لل، و)
and so leaves بالصور of وبالصور. The rewrites here put such stacks on headline words, or take
them off where the headline has them (وبالصور → الصور / صور).

Each function takes a word and a random generator and returns the rewritten word, or None when
the rewrite does not apply to it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Rewrite = Callable[[str, random.Random], str | None]

# Letters that can be a one-letter proclitic: a word starting with one is left without ال
# (adding the article in front of وداسيلفا or بريدة would make no word).
_PARTICLE_START = ("و", "ف", "ب", "ل", "ك")
_STACKS = ("وبال", "فبال", "وكال", "فكال", "ولل", "فلل")
_PRONOUN_SUFFIXES = ("ها", "هم", "هما", "هن", "كم", "نا")


def add_stack(word: str, rng: random.Random) -> str | None:
    """الصور → وبالصور / فبالصور / وكالصور; المسجد → وللمسجد; a bare noun gets the whole stack."""
    if word.startswith("ال") and len(word) >= 5:
        stem = word[2:]
    elif word.endswith(("ة", "ات")) and not word.startswith((*_PARTICLE_START, "ي", "ت")) and len(word) >= 4:
        stem = word  # an indefinite noun, told by its ending (a verb or a name would make no sense)
    else:
        return None
    # ل + اللجنة is written للجنة (the lams merge), so a stem starting with ل takes no لل stack.
    stacks = [s for s in _STACKS if not (stem.startswith("ل") and s.endswith("لل"))]
    return rng.choice(stacks) + stem


def drop_stack(word: str, rng: random.Random) -> str | None:
    """وبالصور → الصور or صور: the stack a reader leaves out when retyping a headline."""
    for stack in _STACKS:
        if word.startswith(stack) and len(word) - len(stack) >= 3:
            stem = word[len(stack):]
            return rng.choice(("ال" + stem, stem))
    return None


# -- typed inflections for the 3-word known items -------------------------------------------------

def _waw(word: str, rng: random.Random) -> str | None:
    if word.startswith("و") and len(word) > 4:
        return word[1:]
    return None if word.startswith("و") else "و" + word


def _article(word: str, rng: random.Random) -> str | None:
    if word.startswith("ال") and len(word) > 4:
        return word[2:]
    if word.startswith((*_PARTICLE_START, "ي", "ت")) or word.endswith(_PRONOUN_SUFFIXES):
        return None  # a verb, a particle, or a noun with a pronoun (علاجها) takes no article
    return "ال" + word


def _bi_al(word: str, rng: random.Random) -> str | None:
    if word.startswith("بال") and len(word) > 5:
        return word[1:]
    return "ب" + word if word.startswith("ال") else None


def _lil(word: str, rng: random.Random) -> str | None:
    if word.startswith("لل") and len(word) > 4:
        return "ال" + word[2:]
    return "لل" + word[2:] if word.startswith("ال") else None


def _teh_heh(word: str, rng: random.Random) -> str | None:
    if word.endswith("ة"):
        return word[:-1] + "ه"
    return word[:-1] + "ة" if word.endswith("ه") else None


def _yeh(word: str, rng: random.Random) -> str | None:
    if word.endswith("ى"):
        return word[:-1] + "ي"
    return word[:-1] + "ى" if word.endswith("ي") else None


def _hamza_dropped(word: str, rng: random.Random) -> str | None:
    for seat in ("أ", "إ", "آ"):
        if seat in word:
            return word.replace(seat, "ا", 1)
    return None


def _fatha(word: str, rng: random.Random) -> str | None:
    i = rng.randrange(1, len(word) + 1)
    return word[:i] + "\u064E" + word[i:]


def _teh_to_plural(word: str, rng: random.Random) -> str | None:
    return word[:-1] + "ات" if word.endswith("ة") and len(word) >= 4 else None


TYPED: dict[str, Rewrite] = {
    "و±": _waw, "ال±": _article, "بال±": _bi_al, "لل±": _lil, "ة/ه": _teh_heh, "ى/ي": _yeh,
    "hamza dropped": _hamza_dropped, "stray fatha": _fatha, "ة→ات": _teh_to_plural,
}
STACKED: dict[str, Rewrite] = {"drop stack": drop_stack, "add stack": add_stack}


def first_applicable(word: str, rewrites: dict[str, Rewrite], rng: random.Random) -> tuple[str, str] | None:
    """Try the rewrites in a random order; the first that changes ``word`` wins: (name, new word)."""
    for name in rng.sample(list(rewrites), len(rewrites)):
        new = rewrites[name](word, rng)
        if new and new != word:
            return name, new
    return None
