"""The search backend contract shared by the embedded (SQLite FTS5) and Elasticsearch backends.

Both take the same ``Article`` dicts and answer the same ``SearchQuery`` with the same
``SearchPage``, so the CLI, the web app and the tests never care which one is behind them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from core.record import Article


@dataclass
class SearchQuery:
    text: str = ""
    sources: list[str] = field(default_factory=list)
    section: str = ""
    agency: str = ""
    since: str = ""  # ISO date or datetime, inclusive, compared to `published`
    until: str = ""  # ISO date or datetime, inclusive
    sort: str = "relevance"  # or "date" (newest first)
    page: int = 1
    per_page: int = 10


@dataclass
class SearchHit:
    article: Article
    score: float
    # The best passage of the body (or title) with matched words wrapped in <mark>…</mark>;
    # everything else in it is HTML-escaped, so it is safe to drop into a web page.
    snippet: str
    # Query words (as typed) this document does not match: forgiving matching ranks documents
    # with every word first, then those missing some; the UI says which («لم تُطابَق الكلمة: …»).
    missing: list[str] = field(default_factory=list)


@dataclass
class SearchPage:
    total: int
    hits: list[SearchHit]
    query: SearchQuery


@dataclass
class UpsertResult:
    indexed: int = 0  # new documents
    updated: int = 0  # existing canonical URL, content changed
    unchanged: int = 0  # existing canonical URL, same content hash
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


class SearchBackend(Protocol):
    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        """Insert or replace by canonical URL (falls back to url); idempotent."""

    def search(self, query: SearchQuery) -> SearchPage: ...

    def facets(self, query: SearchQuery, limit: int = 20) -> dict[str, list[tuple[str, int]]]:
        """Counts over the documents ``query`` matches (its text and all its filters; paging and
        sort ignored), keyed ``source``, ``section``, ``agency`` and ``month``, so each count is
        the total a search with that value added as a filter returns.

        Values are ``(value, count)`` pairs ordered by count descending, then value, at most
        ``limit`` per facet; an article counts once for each of its agencies. ``month`` is
        ``YYYY-MM`` of ``published`` in UTC (what the since/until filters compare), newest first
        and not limited. Empty values are left out; every key is present, possibly empty.
        Raises ValueError for an unparseable since/until date, like ``search``.
        """

    def get(self, url: str) -> Article | None:
        """The stored article for a canonical URL or URL."""

    def count(self) -> int: ...

    def clear(self) -> None:
        """Remove every document (used by reindex before refilling)."""

    def close(self) -> None: ...
