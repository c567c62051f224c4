"""Turn a user's search box text into analyzed terms and phrases.

User text is never handed to a query language: it is split on double quotes (quoted parts are
phrases, an unclosed quote just ends the text), every part goes through ``index.analysis``, and
backends build their own query from the resulting terms. So operators, brackets, stray quotes
or ``NEAR(`` are ordinary characters that the tokenizer drops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.analysis import analyze


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)  # single analyzed terms, deduplicated, in order
    phrases: list[list[str]] = field(default_factory=list)  # analyzed tokens, 2+ per phrase
    # The text of each phrase as typed, parallel to ``phrases``: an engine that analyzes a phrase
    # itself (Elasticsearch's match_phrase) keeps the stop-word positions Lucene leaves in its index.
    phrase_texts: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.terms and not self.phrases

    def all_terms(self) -> set[str]:
        """Every term the highlighter should mark."""
        out = set(self.terms)
        for phrase in self.phrases:
            out.update(phrase)
        return out


def parse_query(text: str) -> ParsedQuery:
    """Free words become AND-ed terms; "quoted words" become phrases.

    A quoted part that analyzes to a single term (or one that follows an unclosed quote) is
    treated as a plain term: a one-word phrase means the same thing.
    """
    parsed = ParsedQuery()
    seen: set[str] = set()
    seen_phrases: set[tuple[str, ...]] = set()
    parts = (text or "").split('"')
    closed = len(parts) % 2 == 1  # an odd number of parts means every quote was closed
    for n, part in enumerate(parts):
        tokens = analyze(part)
        is_phrase = n % 2 == 1 and (closed or n < len(parts) - 1)
        if is_phrase and len(tokens) > 1:
            if tuple(tokens) not in seen_phrases:
                seen_phrases.add(tuple(tokens))
                parsed.phrases.append(tokens)
                parsed.phrase_texts.append(part)
            continue
        for tok in tokens:
            if tok not in seen:
                seen.add(tok)
                parsed.terms.append(tok)
    return parsed


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts5_match(parsed: ParsedQuery) -> str:
    """An FTS5 MATCH expression in which every token is a double-quoted string.

    Empty string when there is nothing to match (the caller then lists by filters only).
    """
    clauses = [_quote(t) for t in parsed.terms]
    clauses += [" + ".join(_quote(t) for t in phrase) for phrase in parsed.phrases]
    return " AND ".join(clauses)
