"""Query-biased snippets: the passage of the original text that best matches the query.

Matching goes through the same analysis as the index (a surface token matches when its exact,
stem or root form is one a query group asks for, ``index.query.Highlighter``), so «بالمفاوضات»
lights up for a query «مفاوضات», and «التفاوض» too (same root). Only the first
``MAX_SCAN_CHARS`` of a text are scanned, so the cost of a snippet does not grow with the size of an
article (a 15 MB page would otherwise take seconds per query). The passage is
cut from the unanalyzed text, HTML-escaped, and only our own <mark> tags are left unescaped,
so a snippet is safe to put into a page even when an article body contains markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from index.analysis import tokenize
from index.query import Highlighter

ELLIPSIS = "…"
MAX_SCAN_CHARS = 50_000
_SPACE_RE = re.compile(r"\s+")


def _clean(segment: str) -> str:
    """Escape a run of unmarked text and fold newlines/indentation into single spaces."""
    return html.escape(_SPACE_RE.sub(" ", segment), quote=False)


def _best_window(spans: Sequence[tuple[int, int, int | None]], max_chars: int) -> tuple[int, int, int]:
    """Token index range [i, j] and match count of the window with the most matches.

    Windows are scored by distinct terms first (a passage with both query words beats one that
    repeats one of them), then total matches; two pointers keep it linear in the token count.
    """
    best = (0, 0, -1, 0)  # distinct, total, -start (prefer earlier), i
    best_range = (0, 0, 0)
    counts: dict[int, int] = {}
    total = 0
    i = 0
    for j, (_, end, term) in enumerate(spans):
        if term is not None:
            counts[term] = counts.get(term, 0) + 1
            total += 1
        while end - spans[i][0] > max_chars and i < j:
            old = spans[i][2]
            if old is not None:
                counts[old] -= 1
                total -= 1
                if not counts[old]:
                    del counts[old]
            i += 1
        score = (len(counts), total, -spans[i][0], i)
        if score[:3] > best[:3]:
            best = score
            best_range = (i, j, total)
    return best_range


def _marks(terms: Highlighter | set[str], phrases: Iterable[Sequence[str]]) -> Highlighter:
    if isinstance(terms, Highlighter):
        return terms
    wanted = set(terms)
    for phrase in phrases:
        wanted.update(phrase)
    return Highlighter({}, {t: i for i, t in enumerate(sorted(wanted))}, {})


def snippet_and_count(
    text: str, terms: Highlighter | set[str], phrases: Iterable[Sequence[str]] = (), max_chars: int = 240
) -> tuple[str, int]:
    """The snippet and how many matched tokens it holds (0 means it is just the text's start).

    ``terms``: what to mark — a query's ``Highlighter``, or a set of stem terms (plus ``phrases``).
    """
    marks = _marks(terms, phrases)
    spans: list[tuple[int, int, int | None]] = []
    match = marks.match
    for surface, start, end in tokenize(text[:MAX_SCAN_CHARS]):
        spans.append((start, end, match(surface)))
    matched = sum(1 for s in spans if s[2] is not None)

    if not matched:
        cut = len(text) > max_chars
        head = text[:max_chars]
        if cut:
            # End on a word boundary rather than mid-word.
            space = head.rfind(" ")
            if space > max_chars // 2:
                head = head[:space]
        body = _clean(head).strip()
        return (body + ELLIPSIS if cut else body), 0

    i, j, count = _best_window(spans, max_chars)
    first, last = spans[i][0], spans[j][1]
    # Spread the unused room around the matches, favouring context after the first match.
    slack = max(0, max_chars - (last - first))
    start = max(0, first - slack // 3)
    end = min(len(text), last + (slack - (first - start)))
    # Snap to whole tokens so the cut never lands inside a word.
    for s, e, _ in spans:
        if s < start < e:
            start = e
        if s < end < e:
            end = s
            break

    out: list[str] = []
    pos = start
    for s, e, term in spans:
        if e <= start or s >= end:
            continue
        if term is not None:
            out.append(_clean(text[pos:s]))
            out.append(f"<mark>{html.escape(text[s:e], quote=False)}</mark>")
            pos = e
    out.append(_clean(text[pos:end]))
    result = "".join(out).strip()
    if text[:start].strip():
        result = ELLIPSIS + result
    if end < len(text) and text[end:].strip():
        result += ELLIPSIS
    return result, count


def snippet(text: str, query_terms_analyzed: Highlighter | set[str], phrases: Iterable[Sequence[str]] = (),
            max_chars: int = 240) -> str:
    """Best passage of ``text`` (at most ~``max_chars`` of it) with matched words in <mark>."""
    return snippet_and_count(text, query_terms_analyzed, phrases, max_chars)[0]
