"""Turn a user's search box text into word groups and strict phrases, the same for both backends.

User text is never handed to a query language: it is split on double quotes (quoted parts are
phrases, an unclosed quote just ends the text), every part goes through ``index.analysis``, and
backends build their own query from the result. So operators, brackets, stray quotes or
``NEAR(`` are ordinary characters that the tokenizer drops.

Matching is forgiving, like a ``minimum_should_match`` of "all words up to 2, then 75 %":
each free word is a *group* (its exact, stem and root forms, plus the spelling variants of
``index/data/variants.txt``); documents are ranked first by how many groups they match, then by
BM25. If no document reaches the required number of groups, the requirement drops one group at a
time (``levels``), so a query whose words occur in the archive never returns nothing. Quoted
phrases stay strict: every one is required.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, pairwise

from index.analysis import ROOT_OF, SKELETON_OF, STEM_OF, Forms, _data, analyze, forms, tokenize

# A matched group outweighs any BM25 difference, so ranking is by groups matched, then by score.
COORD = 10_000.0
# Within the same number of groups, each group the headline itself carries outweighs BM25 too: a
# story whose headline names every query word beats one that mentions a word deep in the text.
TITLE_COORD = 1_000.0
# The embedded backend applies the headline bonus to the first this-many results of a query (a
# rescore window, like Elasticsearch's); the Elasticsearch backend scores it over every document.
RESCORE_WINDOW = 100
# Two consecutive query words found next to each other in a headline add this much (in BM25 points).
PROXIMITY_BONUS = 20.0
# Words beyond this many are not searched: "at least k of n" expands to (n choose k) combinations.
MAX_GROUPS = 8


@dataclass(frozen=True)
class Variant:
    """One spelling of a name: its stem terms (2+ terms match as a phrase) and the text as written."""

    terms: tuple[str, ...]
    text: str


@dataclass
class QueryWord:
    """One coordination group: a word as typed (or a run of words that spells a known name)."""

    text: str
    terms: tuple[str, ...]  # stem terms of what was typed; one for a plain word
    exact: str = ""  # normalized form, single words only
    root: str = ""  # aggressive form, single words only
    skeleton: str = ""  # long single words only, matched where roots are
    variants: list[Variant] = field(default_factory=list)  # other spellings, matched on stems

    @property
    def single(self) -> bool:
        return len(self.terms) == 1


@dataclass
class ParsedQuery:
    words: list[QueryWord] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)  # analyzed tokens, 2+ per phrase
    # The text of each phrase as typed, parallel to ``phrases``: an engine that analyzes a phrase
    # itself (Elasticsearch's match_phrase) keeps the stop-word positions Lucene leaves in its index.
    phrase_texts: list[str] = field(default_factory=list)
    text: str = ""  # as typed
    # Set on the query a strict one falls back to: the quoted phrases that no document held.
    loosened: list[str] = field(default_factory=list)
    _marks: Highlighter | None = field(default=None, repr=False, compare=False)

    @property
    def terms(self) -> list[str]:
        """Stem terms of the single-word groups, in order."""
        return [w.terms[0] for w in self.words if w.single]

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    def required(self) -> int:
        """Groups a document must match: all of up to 2, then 75 % (rounded down)."""
        n = len(self.words)
        return n if n <= 2 else math.floor(n * 0.75)

    def levels(self) -> list[int]:
        """Requirements to try in turn until one finds documents: ``required()`` down to 1."""
        return list(range(self.required(), 0, -1)) or [0]

    def attempts(self) -> list[tuple[ParsedQuery, int]]:
        """(query, requirement) pairs to try in turn until one finds documents: this query at each
        of its ``levels``, then — when it has quoted phrases, and so none held them — the same
        text with the quotes ignored, as a search engine shows results without the quotes rather
        than nothing (each hit then says the phrase was not matched, see ``missing``)."""
        out = [(self, level) for level in self.levels()]
        if self.phrases:
            loose = parse_query(self.text.replace('"', " "))
            loose.loosened = list(self.phrase_texts)
            out += [(loose, level) for level in loose.levels()]
        return out

    def proximity_pairs(self) -> list[tuple[str, str]]:
        """Stems of consecutive single-word groups: found adjacent in a headline, they rank higher."""
        return [(a.terms[0], b.terms[0]) for a, b in pairwise(self.words)
                if a.single and b.single and a.terms[0] != b.terms[0]]

    def missing(self, matched: set[int]) -> list[str]:
        """The typed words of the groups a document did not match, after any quoted phrase the
        query fell back from (in quotes: its words may be there, but not as the phrase)."""
        phrases = [f'"{p.strip()}"' for p in self.loosened]
        return phrases + [w.text for i, w in enumerate(self.words) if i not in matched]

    def highlighter(self) -> Highlighter:
        """Built once per query, on first use."""
        if self._marks is None:
            self._marks = Highlighter.of(self)
        return self._marks


@dataclass(frozen=True)
class Highlighter:
    """Which surface tokens to mark: any token whose stem, root or skeleton form a group asks for.

    A token with a query word's exact form has that word's stem too (the stem of the exact form),
    so exact matches need no table of their own."""

    stem: dict[str, int]
    root: dict[str, int]
    skeleton: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, parsed: ParsedQuery) -> Highlighter:
        stem: dict[str, int] = {}
        root: dict[str, int] = {}
        skeleton: dict[str, int] = {}
        for i, word in enumerate(parsed.words):
            if word.root:
                root.setdefault(word.root, i)
            if word.skeleton:
                skeleton.setdefault(word.skeleton, i)
            for terms in (word.terms, *(v.terms for v in word.variants)):
                for term in terms:
                    stem.setdefault(term, i)
        for n, phrase in enumerate(parsed.phrases, start=len(parsed.words)):
            for term in phrase:
                stem.setdefault(term, n)
        return cls(stem, root, skeleton)

    def positions(self, tokens: list[str], root_tokens: int | None = None) -> dict[int, int]:
        """Token index → group, for the surface tokens that match: by stem, else root or
        skeleton — those only among the first ``root_tokens`` tokens (all when None), where the
        index keeps them (the headline and the lead).

        Each form comes from a process-wide surface → form map, and both the lookups and the
        search for matching positions run in C (``map``, ``compress``): a snippet costs a few
        passes over the text, and Python work only for the few tokens that match."""
        out: dict[int, int] = {}
        # Weakest form first, so a stronger form's group overwrites it.
        for table, form_of, upto in ((self.skeleton, SKELETON_OF, root_tokens), (self.root, ROOT_OF, root_tokens),
                                     (self.stem, STEM_OF, None)):
            if table:
                found = list(map(form_of.__getitem__, tokens[:upto]))
                for k in compress(range(len(found)), map(table.__contains__, found)):
                    out[k] = table[found[k]]
        return out

    def __bool__(self) -> bool:
        return bool(self.stem or self.root or self.skeleton)


def _contains(seq: list[str], terms: tuple[str, ...]) -> bool:
    n = len(terms)
    return any(tuple(seq[i:i + n]) == terms for i in range(len(seq) - n + 1))


def proximity(parsed: ParsedQuery, stems: list[str]) -> int:
    """How many of the query's consecutive word pairs a headline (its stem terms) has side by side."""
    pairs = set(pairwise(stems))
    return sum(1 for pair in parsed.proximity_pairs() if pair in pairs)


def title_groups(parsed: ParsedQuery, stems: list[str], exact: set[str], roots: set[str]) -> int:
    """How many of the query's groups a headline carries in any of their forms, given the
    headline's stem terms (in order), exact forms and roots as the index stores them."""
    stem_set = set(stems)
    n = 0
    for word in parsed.words:
        spellings = (word.terms, *(v.terms for v in word.variants))
        if (word.exact and word.exact in exact) or (word.root and word.root in roots) or (
                word.skeleton and word.skeleton in roots) or any(
                t[0] in stem_set if len(t) == 1 else _contains(stems, t) for t in spellings):
            n += 1
    return n


@cache
def variant_table() -> dict[tuple[str, ...], list[Variant]]:
    """Stem sequence of each spelling → the other spellings of the same name."""
    table: dict[tuple[str, ...], list[Variant]] = {}
    for line in _data("variants.txt"):
        spellings = [Variant(tuple(analyze(s)), s.strip()) for s in line.split(",") if s.strip()]
        spellings = [v for v in spellings if v.terms]
        for v in spellings:
            others = [o for o in spellings if o.terms != v.terms]
            if others:
                bucket = table.setdefault(v.terms, [])
                bucket.extend(o for o in others if o not in bucket)
    return table


# Compound names written joined or apart: «عبدالعزيز» / «عبد العزيز», «أبوظبي» / «أبو ظبي».
COMPOUND_HEADS = ("عبد", "ابو")


def _joined(head: Forms, tail: Forms) -> Variant:
    word = head.exact + tail.exact
    return Variant(tuple(analyze(word)), word)


def _compound(surface: str, f: Forms) -> QueryWord | None:
    """A joined compound name as one group whose variant is the name written apart."""
    for head in COMPOUND_HEADS:
        rest = f.exact[len(head):]
        if f.exact.startswith(head) and len(rest) >= 3:
            apart = f"{head} {rest}"
            return QueryWord(surface, (f.stem,), f.exact, f.root, f.skeleton,
                             [Variant(tuple(analyze(apart)), apart)])
    return None


def _groups(part: str) -> list[QueryWord]:
    """Free words of ``part`` as groups; a run of words that spells a listed name, or a compound
    name written apart or joined, is one group with the other spellings as variants."""
    toks = [(surface, f) for surface, _, _ in tokenize(part) if (f := forms(surface)) is not None]
    table = variant_table()
    longest = max((len(k) for k in table), default=1)
    out: list[QueryWord] = []
    i = 0
    while i < len(toks):
        surface, f = toks[i]
        if f.exact in COMPOUND_HEADS and i + 1 < len(toks):
            (tail_surface, tail) = toks[i + 1]
            out.append(QueryWord(f"{surface} {tail_surface}", (f.stem, tail.stem), variants=[_joined(f, tail)]))
            i += 2
            continue
        if (compound := _compound(surface, f)) is not None:
            out.append(compound)
            i += 1
            continue
        for n in range(min(longest, len(toks) - i), 0, -1):
            key = tuple(f.stem for _, f in toks[i:i + n])
            if n == 1 or key in table:
                text = " ".join(s for s, _ in toks[i:i + n])
                word = QueryWord(text, key, variants=list(table.get(key, [])))
                if n == 1:
                    word.exact, word.root, word.skeleton = toks[i][1].exact, toks[i][1].root, toks[i][1].skeleton
                out.append(word)
                i += n
                break
    return out


def parse_query(text: str) -> ParsedQuery:
    """Free words become forgiving groups; "quoted words" become required phrases.

    A quoted part that analyzes to a single term (or one that follows an unclosed quote) is
    treated as free words: a one-word phrase means the same thing. Repeated words count once;
    words past the ``MAX_GROUPS``-th are left out.
    """
    parsed = ParsedQuery(text=text or "")
    seen: set[tuple[str, ...]] = set()
    seen_phrases: set[tuple[str, ...]] = set()
    parts = (text or "").split('"')
    closed = len(parts) % 2 == 1  # an odd number of parts means every quote was closed
    for n, part in enumerate(parts):
        is_phrase = n % 2 == 1 and (closed or n < len(parts) - 1)
        if is_phrase:
            tokens = analyze(part)
            if len(tokens) > 1:
                if tuple(tokens) not in seen_phrases:
                    seen_phrases.add(tuple(tokens))
                    parsed.phrases.append(tokens)
                    parsed.phrase_texts.append(part)
                continue
        for word in _groups(part):
            if word.terms not in seen and len(parsed.words) < MAX_GROUPS:
                seen.add(word.terms)
                parsed.words.append(word)
    return parsed
