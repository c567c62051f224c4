"""A durable record of every capture: what was fetched, when, with which validators and digest, and
where it sits in the archive. It is what makes crawls incremental (skip what is fresh, ask with
ETag / If-Modified-Since, write a ``revisit`` for an identical payload) and what lets a crawl killed
with ``kill -9`` resume without losing or duplicating anything: a capture is recorded here only
after its WARC record has reached the file, and ``indexed`` (an :class:`IndexState`) says whether the
search index has it. During a crawl the log belongs to ``crawler.state.CrawlState``, whose named
transitions are the only writers of that column.

SQLite in WAL mode with ``synchronous=NORMAL``: each capture is one small committed transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path

from core.wal import connect_wal


class IndexState(IntEnum):
    """Where a capture stands with the search index (the ``indexed`` column)."""

    AWAITING = 0  # a full article page, not in the index yet: catch-up extracts it from the WARC
    INDEXED = 1  # the search backend has accepted the article
    NOTHING_TO_INDEX = -1  # no article in it (feed, redirect stub, non-HTML, no text...): left alone


_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    record_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,            -- article, feed, sitemap, listing, robots, other
    fetched TEXT NOT NULL,         -- WARC-Date (ISO 8601 UTC)
    status INTEGER NOT NULL,
    digest TEXT,                   -- WARC-Payload-Digest of the payload as sent
    etag TEXT,
    last_modified TEXT,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    revisit INTEGER NOT NULL DEFAULT 0,
    refers_to TEXT,                -- record id of the original capture, for revisits
    indexed INTEGER NOT NULL DEFAULT 0   -- IndexState: 1 indexed, 0 awaiting, -1 nothing to index
);
CREATE INDEX IF NOT EXISTS captures_url ON captures(url, fetched);
CREATE INDEX IF NOT EXISTS captures_pending ON captures(source, kind, indexed);
"""


@dataclass(frozen=True)
class CaptureRow:
    record_id: str
    url: str
    source: str
    kind: str
    fetched: str
    status: int
    digest: str | None
    etag: str | None
    last_modified: str | None
    warc_file: str
    warc_offset: int
    warc_length: int
    revisit: bool
    refers_to: str | None
    indexed: IndexState = IndexState.NOTHING_TO_INDEX  # CrawlState.archived sets it by its rule

    @property
    def pointer(self) -> dict:
        return {"file": self.warc_file, "offset": self.warc_offset, "length": self.warc_length,
                "record_id": self.record_id}


class FetchLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect_wal(self.path, timeout=30, isolation_level=None)  # workers open it together
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> FetchLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _row(self, row: sqlite3.Row | None) -> CaptureRow | None:
        if not row:
            return None
        values = tuple(row)  # columns are in field order
        return CaptureRow(*values[:-1], indexed=IndexState(values[-1]))

    def record(self, row: CaptureRow) -> bool:
        """Add a capture; False if that WARC record was already known (recovery re-scan)."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO captures VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (row.record_id, row.url, row.source, row.kind, row.fetched, row.status, row.digest, row.etag,
             row.last_modified, row.warc_file, row.warc_offset, row.warc_length, int(row.revisit),
             row.refers_to, int(row.indexed)),
        )
        return cur.rowcount == 1

    def latest(self, url: str) -> CaptureRow | None:
        """The newest 200 or 304 capture of ``url`` (where its validators and digest come from)."""
        return self._row(self._db.execute(
            "SELECT * FROM captures WHERE url = ? AND status IN (200, 304) ORDER BY fetched DESC LIMIT 1",
            (url,)).fetchone())

    def fetched_within(self, url: str, seconds: float) -> bool:
        """Whether ``url`` answered 2xx/3xx in the last ``seconds`` — a redirecting URL counts, so a
        feed link that 301s to the article is not fetched again on every crawl."""
        row = self._db.execute(
            "SELECT fetched FROM captures WHERE url = ? AND status BETWEEN 200 AND 399 ORDER BY fetched DESC LIMIT 1",
            (url,)).fetchone()
        if row is None:
            return False
        when = datetime.fromisoformat(row[0].replace("Z", "+00:00"))
        return (datetime.now(UTC) - when).total_seconds() < seconds

    def original(self, url: str, digest: str) -> CaptureRow | None:
        """The full (non-revisit) capture of ``url`` with this payload digest, for WARC-Refers-To."""
        return self._row(self._db.execute(
            "SELECT * FROM captures WHERE url = ? AND digest = ? AND revisit = 0 ORDER BY fetched DESC LIMIT 1",
            (url, digest)).fetchone())

    def pending_index(self, source: str) -> list[CaptureRow]:
        """Full article captures archived but not yet in the search index (e.g. after a kill)."""
        rows = self._db.execute(
            "SELECT * FROM captures WHERE source = ? AND kind = 'article' AND status = 200 AND revisit = 0 "
            "AND indexed = ? ORDER BY fetched", (source, int(IndexState.AWAITING))).fetchall()
        return [self._row(r) for r in rows]

    def least_recently_checked(self, source: str, limit: int) -> list[str]:
        """Article URLs of ``source`` archived whole at least once, the longest unchecked first
        (``akhbar check-live``: bounded work per run, so a daily run goes round a large archive)."""
        rows = self._db.execute(
            "SELECT url FROM captures WHERE source = ? AND kind = 'article' GROUP BY url "
            "HAVING SUM(status = 200 AND revisit = 0) > 0 ORDER BY MAX(fetched), url LIMIT ?",
            (source, limit)).fetchall()
        return [r[0] for r in rows]

    def set_index_state(self, record_ids: list[str], state: IndexState) -> None:
        self._db.executemany("UPDATE captures SET indexed = ? WHERE record_id = ?",
                             [(int(state), rid) for rid in record_ids])

    def counts(self) -> dict[str, int]:
        row = self._db.execute(
            "SELECT COUNT(*), SUM(revisit), SUM(kind = 'article' AND revisit = 0 AND status = 200), "
            "SUM(indexed = 1) FROM captures").fetchone()
        return {"captures": row[0] or 0, "revisits": row[1] or 0, "articles": row[2] or 0, "indexed": row[3] or 0}

    # -- aggregates for source health (``akhbar sources --health``, ``akhbar.health``) ------------
    # One SQL aggregate each, so a health report over months of captures reads no rows into Python.
    # ``after`` / ``until`` bound ``fetched`` (ISO strings, exclusive / inclusive; "" for open).

    def new_articles_per_day(self, source: str, since: str) -> list[tuple[str, int]]:
        """Per UTC day from ``since`` on, how many article URLs of ``source`` were first archived
        whole and indexed that day (the crawl's new articles)."""
        rows = self._db.execute(
            "SELECT substr(first, 1, 10) AS day, count(*) FROM (SELECT min(fetched) AS first FROM captures "
            "WHERE source = ? AND kind = 'article' AND status = 200 AND revisit = 0 AND indexed = ? GROUP BY url) "
            "WHERE first >= ? GROUP BY day ORDER BY day", (source, int(IndexState.INDEXED), since)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def status_counts(self, source: str, after: str = "", until: str = "") -> tuple[int, int, int]:
        """(captures, how many answered 4xx, how many 5xx) of ``source`` in the window."""
        row = self._db.execute(
            "SELECT count(*), sum(status BETWEEN 400 AND 499), sum(status >= 500) FROM captures "
            "WHERE source = ? AND fetched > ? AND (? = '' OR fetched <= ?)", (source, after, until, until)).fetchone()
        return row[0] or 0, row[1] or 0, row[2] or 0

    def failing_discovery(self, source: str) -> list[tuple[str, str, int, str]]:
        """Feeds and sitemaps of ``source`` whose newest capture is an HTTP error:
        (url, kind, status, fetched), by URL."""
        rows = self._db.execute(
            "SELECT url, kind, status, fetched FROM (SELECT url, kind, status, fetched, row_number() OVER "
            "(PARTITION BY url ORDER BY fetched DESC) AS n FROM captures WHERE source = ? "
            "AND kind IN ('feed', 'sitemap')) WHERE n = 1 AND status >= 400 ORDER BY url", (source,)).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def first_indexed_article(self, source: str) -> CaptureRow | None:
        """The oldest whole article capture of ``source`` the index accepted (a drift sample)."""
        return self._row(self._db.execute(
            "SELECT * FROM captures WHERE source = ? AND kind = 'article' AND status = 200 AND revisit = 0 "
            "AND indexed = ? ORDER BY fetched, record_id LIMIT 1", (source, int(IndexState.INDEXED))).fetchone())

    def sources(self) -> list[str]:
        """Every source with a capture."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT source FROM captures ORDER BY source")]
