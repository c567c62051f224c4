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
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate

from core.record import Article
from index.analysis import TOKEN_PATTERN
from index.fields import LEAD_TOKENS, body_text
from index.query import Highlighter, ParsedQuery

ELLIPSIS = "…"
MAX_SCAN_CHARS = 50_000
_SPACE_RE = re.compile(r"\s+")
_SPLIT_RE = re.compile(f"({TOKEN_PATTERN})")


def _clean(segment: str) -> str:
    """Escape a run of unmarked text and fold newlines/indentation into single spaces."""
    return html.escape(_SPACE_RE.sub(" ", segment), quote=False)


def _best_window(matches: Sequence[tuple[int, int, int]], max_chars: int) -> tuple[int, int, int]:
    """Index range [i, j] into ``matches`` (matched tokens only, in text order) and match count of
    the window of at most ``max_chars`` with the most matches.

    Windows are scored by distinct groups first (a passage with both query words beats one that
    repeats one of them), then total matches, then the earliest start; two pointers keep it linear
    in the number of matches — unmatched tokens never decide where the best window lies.
    """
    best = (0, 0, 1)  # distinct, total, -start
    best_range = (0, 0, 1)
    counts: dict[int, int] = {}
    i = 0
    for j, (_, end, group) in enumerate(matches):
        counts[group] = counts.get(group, 0) + 1
        while end - matches[i][0] > max_chars and i < j:
            old = matches[i][2]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            i += 1
        score = (len(counts), j - i + 1, -matches[i][0])
        if score > best:
            best = score
            best_range = (i, j, j - i + 1)
    return best_range


def _marks(terms: Highlighter | set[str], phrases: Iterable[Sequence[str]]) -> Highlighter:
    if isinstance(terms, Highlighter):
        return terms
    wanted = set(terms)
    for phrase in phrases:
        wanted.update(phrase)
    return Highlighter({t: i for i, t in enumerate(sorted(wanted))}, {})


def _spans(text: str) -> tuple[list[str], list[int], list[int]]:
    """Tokens of ``text`` with their start and end offsets, split in C: ``_SPLIT_RE`` alternates
    separators and tokens, and running sums of the part lengths give the offsets."""
    parts = _SPLIT_RE.split(text)  # [sep, tok, sep, tok, ..., sep]
    ends = list(accumulate(map(len, parts)))
    return parts[1::2], ends[0::2][:-1], ends[1::2]


def snippet_and_count(
    text: str, terms: Highlighter | set[str], phrases: Iterable[Sequence[str]] = (), max_chars: int = 240,
    root_tokens: int | None = None,
) -> tuple[str, int]:
    """The snippet and how many matched tokens it holds (0 means it is just the text's start).

    ``terms``: what to mark — a query's ``Highlighter``, or a set of stem terms (plus ``phrases``);
    ``root_tokens``: how many leading tokens may match by root (``Highlighter.positions``).
    """
    marks = _marks(terms, phrases)
    tokens, starts, ends = _spans(text[:MAX_SCAN_CHARS])
    matches = [(starts[k], ends[k], g) for k, g in sorted(marks.positions(tokens, root_tokens).items())]

    if not matches:
        cut = len(text) > max_chars
        head = text[:max_chars]
        if cut:
            # End on a word boundary rather than mid-word.
            space = head.rfind(" ")
            if space > max_chars // 2:
                head = head[:space]
        body = _clean(head).strip()
        return (body + ELLIPSIS if cut else body), 0

    i, j, count = _best_window(matches, max_chars)
    first, last = matches[i][0], matches[j][1]
    # Spread the unused room around the matches, favouring context after the first match.
    slack = max(0, max_chars - (last - first))
    start = max(0, first - slack // 3)
    end = min(len(text), last + (slack - (first - start)))
    # Snap to whole tokens so the cut never lands inside a word.
    k = bisect_right(starts, start) - 1
    if k >= 0 and starts[k] < start < ends[k]:
        start = ends[k]
    k = bisect_right(starts, end) - 1
    if k >= 0 and starts[k] < end < ends[k]:
        end = starts[k]

    out: list[str] = []
    pos = start
    for s_, e_, _ in matches:
        if e_ <= start or s_ >= end:
            continue
        out.append(_clean(text[pos:s_]))
        out.append(f"<mark>{html.escape(text[s_:e_], quote=False)}</mark>")
        pos = e_
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


def hit_snippet(article: Article, parsed: ParsedQuery) -> str:
    """A search hit's snippet: the body passage with the matches; the title when only the title
    matched. Both backends call this on the stored article, so they give identical snippets."""
    marks = parsed.highlighter()
    # Roots are indexed for the lead only, so only there does a root alone make a match.
    text_snip, n = snippet_and_count(body_text(article), marks, root_tokens=LEAD_TOKENS)
    if n or not marks:
        return text_snip
    title_snip, n = snippet_and_count(article.get("title") or "", marks)
    return title_snip if n else text_snip
