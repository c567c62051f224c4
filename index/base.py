"""The search backend contract shared by the embedded (SQLite FTS5) and Elasticsearch backends.

Both take the same ``Article`` dicts and answer the same ``SearchQuery`` with the same
``SearchPage``, so the CLI, the web app and the tests never care which one is behind them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from core.record import Article, content_hash
from index.liveness import LiveState

# Results per page a backend returns at most, whatever a caller asks: ranking deeper pages costs
# more than anyone reads (the web app and CLI have their own, lower bounds).
MAX_PER_PAGE = 1000


@dataclass
class SearchQuery:
    text: str = ""
    sources: list[str] = field(default_factory=list)
    section: str = ""
    agency: str = ""
    since: str = ""  # ISO date or datetime, inclusive, compared to `published`
    until: str = ""  # ISO date or datetime, inclusive
    original_source: str = ""  # the original publisher an article credits (syndication evidence)
    status: str = ""  # index.liveness.STATUSES: a liveness state, or "changed" (more than one version)
    collapse: bool = False  # one hit per story (index.story_search); backends themselves ignore it
    sort: str = "relevance"  # or "date" (newest first)
    page: int = 1
    per_page: int = 10

    def window(self) -> tuple[int, int]:
        """``(offset, per_page)`` of the requested page, clamped the same way by every backend:
        page at least 1, per_page between 1 and ``MAX_PER_PAGE`` (0 or None mean the defaults)."""
        page = max(1, int(self.page or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(self.per_page or 10)))
        return (page - 1) * per_page, per_page


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
    # With ``SearchQuery.collapse``: the story's other articles (other outlets' copies), earliest first.
    copies: list[Article] = field(default_factory=list)


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


def article_key(article: Article) -> str:
    """What a document is stored under: its canonical URL, else its URL."""
    key = article.get("canonical_url") or article.get("url") or ""
    if not key:
        raise ValueError("article has neither canonical_url nor url")
    return key


def dedupe_batch(articles: Iterable[Article], result: UpsertResult,
                 earlier: dict[str, list[tuple[Article, str]]] | None = None) -> dict[str, tuple[Article, str]]:
    """One upsert batch as ``key -> (article, content hash)``, in first-seen order, with what the
    batch itself decides already counted in ``result``.

    Later copies of a key replace earlier ones (an earlier copy with other content counts as
    ``updated``, one with the same hash as ``unchanged``), so a batch holding a URL twice is
    stored like two batches in a row. A record without a key, or whose hash cannot be computed,
    goes to ``result.failed``: one bad record must not sink the batch. Shared by the backends so
    their counts cannot drift apart. ``earlier`` receives, per key, the replaced copies with other
    content, oldest first: they are versions too (``index.versions``).
    """
    prepared: dict[str, tuple[Article, str]] = {}
    for art in articles:
        url = art.get("url", "") if isinstance(art, dict) else ""
        try:
            key = article_key(art)
            digest = art.get("content_hash") or content_hash(art.get("title") or "", art.get("text") or "")
        except Exception as exc:  # noqa: BLE001 - one bad record must not sink the batch
            result.failed.append((str(url), f"{type(exc).__name__}: {exc}"))
            continue
        if key in prepared:
            if prepared[key][1] == digest:
                result.unchanged += 1
                continue
            result.updated += 1  # an earlier copy in this batch is replaced
            if earlier is not None:
                earlier.setdefault(key, []).append(prepared[key])
        prepared[key] = (art, digest)
    return prepared


class SearchBackend(Protocol):
    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        """Insert or replace by canonical URL (falls back to url); idempotent."""

    def search(self, query: SearchQuery) -> SearchPage: ...

    def facets(self, query: SearchQuery, limit: int = 20) -> dict[str, list[tuple[str, int]]]:
        """Counts over the documents ``query`` matches (its text and all its filters; paging and
        sort ignored), keyed ``source``, ``section``, ``agency``, ``month``, ``status`` and ``original_source`` (the
        publisher an article credits as its source), so each
        count is the total a search with that value added as a filter returns. ``status`` counts
        the liveness states (``index.liveness``) and ``changed``, which overlaps them.

        Values are ``(value, count)`` pairs ordered by count descending, then value, at most
        ``limit`` per facet; an article counts once for each of its agencies. ``month`` is
        ``YYYY-MM`` of ``published`` in UTC (what the since/until filters compare), newest first
        and not limited. Empty values are left out; every key is present, possibly empty.
        Raises ValueError for an unparseable since/until date, like ``search``.
        """

    def scan(self, query: SearchQuery, batch: int = 500) -> Iterator[Article]:
        """Every article ``query`` matches — its text (at the requirement level ``search`` settles
        on) and all its filters; page, per_page, sort and collapse ignored — newest published first,
        undated ones last (ties in the backend's own stable order). For exports: the backend is read
        ``batch`` articles at a time (keyset pages; a point in time and ``search_after`` on
        Elasticsearch), so an export of any size holds one batch, and neither ``MAX_PER_PAGE`` nor
        the engine's 10,000-hit result window caps it. Raises ValueError for an unparseable
        since/until date when called, before the first article, so a caller can refuse the request
        before it starts streaming."""

    def get(self, url: str) -> Article | None:
        """The stored article for a canonical URL or URL."""

    def members(self, story_ids: list[str], limit: int = 50) -> dict[str, list[Article]]:
        """The articles of each story (``index.stories``), earliest published first, at most
        ``limit`` per story; unknown ids are left out."""

    def set_liveness(self, states: dict[str, LiveState]) -> int:
        """Record what became of pages (``index.liveness.apply``) on the articles stored under those
        canonical URLs or URLs, leaving the rest of each record as it is; unknown URLs are left out.
        Returns how many articles were updated."""

    def count(self) -> int: ...

    def clear(self) -> None:
        """Remove every document, at once."""

    # A rebuild (``akhbar reindex``): ``begin_rebuild``, upserts, then ``finish_rebuild`` — or
    # ``abort_rebuild`` if the refill fails. Each backend keeps what searches see as whole as it
    # can: Elasticsearch fills a new versioned index while searches read the old one and swaps an
    # alias at the end (blue/green); the embedded backend empties its file and refills it in place.

    def begin_rebuild(self) -> str | None:
        """Start a rebuild: the upserts that follow fill an index that starts empty. Returns the
        name of what is being built where the backend has one (Elasticsearch: the new index)."""

    def finish_rebuild(self) -> None:
        """The rebuilt index is the one searches read from now on."""

    def abort_rebuild(self) -> None:
        """A rebuild failed: leave the index searches and later writes use as usable as the
        backend can (Elasticsearch: the old index, untouched; embedded: what was refilled so far)."""

    def close(self) -> None: ...
