"""The default search backend: one SQLite file with an FTS5 index, no server to run.

Analysis happens in Python (``index.analysis``) and FTS5 only stores the resulting terms, joined
by spaces, in a table whose ``ascii`` tokenizer splits on spaces and leaves non-ASCII untouched —
so stems reach the index exactly as analyzed and the Elasticsearch backend, mirroring the same
analyzer, finds the same documents. ``articles`` keeps the full Article JSON plus the columns the
filters and the date sort need; its integer id is the FTS rowid.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from akhbar.record import Article, content_hash
from index.analysis import ANALYZER_VERSION, analyze
from index.base import SearchHit, SearchPage, SearchQuery, UpsertResult
from index.highlight import snippet_and_count
from index.query import ParsedQuery, fts5_match, parse_query

TITLE_WEIGHT = 10.0  # a query word in the headline says more than one deep in the body
BODY_WEIGHT = 1.0
MAX_PER_PAGE = 1000
_IN_CHUNK = 500  # keys per `IN (...)` lookup, well under SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,          -- canonical_url, else url
    url TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT '',
    published TEXT,                    -- as extracted (ISO 8601 with offset)
    published_utc TEXT,                -- YYYY-MM-DDTHH:MM:SS in UTC, for filters and the date sort
    fetched TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    agencies TEXT NOT NULL DEFAULT '[]',  -- JSON list
    doc TEXT NOT NULL                  -- the full Article JSON, WARC pointer included
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_utc);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source, published_utc);
CREATE INDEX IF NOT EXISTS articles_section ON articles(section);
"""
# ascii: splits on ASCII non-alphanumerics only (our terms hold none but "_", declared a token
# char) and folds nothing outside ASCII, so every stored term is exactly what analysis produced.
_FTS = """CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, tokenize = "ascii tokenchars '_'", detail = full
)"""
_RANK = f"bm25({TITLE_WEIGHT}, {BODY_WEIGHT})"


def _utc(value: str | None, *, end_of_day: bool = False) -> str | None:
    """An ISO date or datetime as a sortable UTC string; naive values are taken as UTC.

    UTC, not the article's local time, so the semantics match an Elasticsearch date range
    (plain dates there also mean UTC days). A plain date as an upper bound covers the whole day.
    """
    if not value:
        return None
    value = value.strip()
    if len(value) == 10:
        day = date.fromisoformat(value)
        return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def _article_utc(value: Any) -> str | None:
    """``published`` of a stored article; an unparseable date just drops out of date filters."""
    try:
        return _utc(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class EmbeddedBackend:
    """SearchBackend over SQLite FTS5 (see ``index.base``). Safe to share between threads."""

    def __init__(self, path: str | Path, busy_timeout: float = 30.0) -> None:
        """``busy_timeout``: seconds to wait for another writer's lock before failing (the crawl's
        index pipeline then spools instead of stalling)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), timeout=busy_timeout, check_same_thread=False,
                                   isolation_level=None)
        self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._create()

    # -- schema -----------------------------------------------------------------------------

    def _create(self) -> None:
        """Create the schema on first open; later opens only read, so a search never waits on a crawl's lock."""
        with self._lock:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "articles", "fts"} <= tables:
                with self._tx():
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    self._create_fts()
                    self._db.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('analyzer_version', ?)", (str(ANALYZER_VERSION),)
                    )
            row = self._db.execute("SELECT value FROM meta WHERE key = 'analyzer_version'").fetchone()
            if row is not None and row[0] != str(ANALYZER_VERSION):
                warnings.warn(
                    f"{self.path} was built with analyzer version {row[0]}, this code uses {ANALYZER_VERSION}; "
                    "run `akhbar reindex` so queries match the stored terms",
                    stacklevel=3,
                )

    def _create_fts(self) -> None:
        self._db.execute(_FTS)
        self._db.execute("INSERT INTO fts(fts, rank) VALUES ('rank', ?)", (_RANK,))

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    # -- writing ----------------------------------------------------------------------------

    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        """Insert or replace by canonical URL in one transaction; same content hash = unchanged.

        Rows for new documents get ids assigned here (max id + n, under the write lock) so the
        article and FTS inserts can both go through ``executemany`` — the bulk path is this one.
        """
        result = UpsertResult()
        prepared: dict[str, tuple[Article, str]] = {}  # key -> (article, hash), last one in the batch wins
        order: list[str] = []
        for art in articles:
            url = art.get("url", "") if isinstance(art, dict) else ""
            try:
                key = art.get("canonical_url") or url
                if not key:
                    raise ValueError("article has neither canonical_url nor url")
                digest = art.get("content_hash") or content_hash(art.get("title") or "", art.get("text") or "")
            except Exception as exc:  # noqa: BLE001 - one bad record must not sink the batch
                result.failed.append((str(url), f"{type(exc).__name__}: {exc}"))
                continue
            if key in prepared and prepared[key][1] == digest:
                result.unchanged += 1
                continue
            if key not in prepared:
                order.append(key)
            elif prepared[key][1] != digest:
                result.updated += 1  # an earlier copy in this batch is replaced
            prepared[key] = (art, digest)
        if not prepared:
            return result

        with self._lock, self._tx() as db:
            existing: dict[str, tuple[int, str]] = {}
            for chunk in _chunks(order, _IN_CHUNK):
                marks = ",".join("?" * len(chunk))
                for key, rowid, digest in db.execute(
                    f"SELECT key, id, content_hash FROM articles WHERE key IN ({marks})", chunk
                ):
                    existing[key] = (rowid, digest)
            next_id = (db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]) + 1
            new_rows: list[tuple] = []
            changed_rows: list[tuple] = []
            fts_rows: list[tuple[int, str, str]] = []
            for key in order:
                art, digest = prepared[key]
                old = existing.get(key)
                if old is not None and old[1] == digest:
                    result.unchanged += 1
                    continue
                try:
                    row, fts = self._row(key, art, digest)
                except Exception as exc:  # noqa: BLE001
                    result.failed.append((str(art.get("url", key)), f"{type(exc).__name__}: {exc}"))
                    continue
                if old is None:
                    rowid = next_id
                    next_id += 1
                    new_rows.append((rowid, *row))
                    result.indexed += 1
                else:
                    rowid = old[0]
                    changed_rows.append((*row, rowid))
                    result.updated += 1
                fts_rows.append((rowid, *fts))
            db.executemany(
                "INSERT INTO articles (id, key, url, source, section, published, published_utc, fetched,"
                " content_hash, agencies, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                new_rows,
            )
            db.executemany(
                "UPDATE articles SET key=?, url=?, source=?, section=?, published=?, published_utc=?, fetched=?,"
                " content_hash=?, agencies=?, doc=? WHERE id=?",
                changed_rows,
            )
            db.executemany("DELETE FROM fts WHERE rowid=?", [(r[-1],) for r in changed_rows])
            db.executemany("INSERT INTO fts (rowid, title, body) VALUES (?,?,?)", fts_rows)
        return result

    @staticmethod
    def _row(key: str, art: Article, digest: str) -> tuple[tuple, tuple[str, str]]:
        doc = dict(art)
        doc.setdefault("canonical_url", "")
        doc["content_hash"] = digest
        agencies = [a for a in (doc.get("agencies") or []) if isinstance(a, str)]
        published = doc.get("published")
        row = (
            key, doc.get("url") or key, doc.get("source") or "", doc.get("section") or "",
            published, _article_utc(published), doc.get("fetched") or "", digest,
            json.dumps(agencies, ensure_ascii=False), json.dumps(doc, ensure_ascii=False),
        )
        body = " ".join(p for p in (doc.get("subtitle") or "", doc.get("text") or "") if p)
        fts = (" ".join(analyze(doc.get("title") or "")), " ".join(analyze(body)))
        return row, fts

    def clear(self) -> None:
        """Empty both tables; the FTS table is dropped and recreated, far faster than deleting rows."""
        with self._lock, self._tx() as db:
            db.execute("DELETE FROM articles")
            db.execute("DROP TABLE fts")
            self._create_fts()

    # -- reading ----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        """Ranked (bm25, title 10× body) or newest-first results; filters narrow both.

        Raises ValueError only for an unparseable since/until date; any query text is accepted.
        """
        parsed = parse_query(query.text)
        match = fts5_match(parsed)
        where, params = self._filters(query, fts_first=bool(match))
        page = max(1, int(query.page or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(query.per_page or 10)))
        offset = (page - 1) * per_page
        date_order = "a.published_utc IS NULL, a.published_utc DESC, a.fetched DESC, a.id DESC"

        with self._lock:
            if match:
                cond = " AND ".join(["fts MATCH ?", *where])
                base = f"FROM fts JOIN articles a ON a.id = fts.rowid WHERE {cond}"
                args = [match, *params]
                total = self._db.execute(f"SELECT count(*) {base}", args).fetchone()[0]
                order = "fts.rank, " + date_order if query.sort != "date" else date_order
                rows = self._db.execute(
                    f"SELECT a.doc, -fts.rank {base} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*args, per_page, offset],
                ).fetchall()
            else:
                cond = " AND ".join(where) or "1"
                total = self._db.execute(f"SELECT count(*) FROM articles a WHERE {cond}", params).fetchone()[0]
                rows = self._db.execute(
                    f"SELECT a.doc, 0.0 FROM articles a WHERE {cond} ORDER BY {date_order} LIMIT ? OFFSET ?",
                    [*params, per_page, offset],
                ).fetchall()

        hits = []
        for doc, score in rows:
            article: Article = json.loads(doc)
            hits.append(SearchHit(article=article, score=float(score), snippet=hit_snippet(article, parsed)))
        return SearchPage(total=total, hits=hits, query=query)

    @staticmethod
    def _filters(query: SearchQuery, fts_first: bool = False) -> tuple[list[str], list[Any]]:
        """``fts_first``: with a text match, keep SQLite from driving the join from the source or
        section index (unary ``+``), which would evaluate the MATCH once per row of that source —
        6x slower on a 31k-article index for a common source."""
        where: list[str] = []
        params: list[Any] = []
        plus = "+" if fts_first else ""
        sources = [s for s in (query.sources or []) if s]
        if sources:
            where.append(f"{plus}a.source IN ({','.join('?' * len(sources))})")
            params += sources
        if query.section:
            where.append(f"{plus}a.section = ?")
            params.append(query.section)
        if query.agency:
            where.append("EXISTS (SELECT 1 FROM json_each(a.agencies) WHERE lower(json_each.value) = lower(?))")
            params.append(query.agency.strip())
        if query.since:
            where.append(f"{plus}a.published_utc >= ?")
            params.append(_utc(query.since))
        if query.until:
            where.append(f"{plus}a.published_utc <= ?")
            params.append(_utc(query.until, end_of_day=True))
        return where, params

    def facets(self, query: SearchQuery, limit: int = 20) -> dict[str, list[tuple[str, int]]]:
        """Counts per source, section, agency and month (``YYYY-MM``, UTC) over the documents the
        query matches, filters included, so each count is what a click on it would return.

        The matching rows' facet columns are materialized once and the four GROUP BYs run over
        them; months come
        from ``published_utc`` because that is what the since/until filters compare. Values are
        ordered by count (months newest first); empty values are left out.
        """
        match = fts5_match(parse_query(query.text))
        where, params = self._filters(query, fts_first=bool(match))
        cols = "a.id, a.source, a.section, a.agencies, substr(a.published_utc, 1, 7) AS month"
        if match:
            cond = " AND ".join(["fts MATCH ?", *where])
            hits = f"SELECT {cols} FROM fts JOIN articles a ON a.id = fts.rowid WHERE {cond}"
            args: list[Any] = [match, *params]
        else:
            hits = f"SELECT {cols} FROM articles a WHERE {' AND '.join(where) or '1'}"
            args = params
        parts = {
            "source": "SELECT 'source', source, count(*) FROM h WHERE source != '' GROUP BY 2",
            "section": "SELECT 'section', section, count(*) FROM h WHERE section != '' GROUP BY 2",
            # grouped without case, like the agency filter (and the engine's lowercased keyword)
            "agency": "SELECT 'agency', min(j.value), count(DISTINCT h.id) FROM h, json_each(h.agencies) j"
                      " WHERE h.agencies != '[]' AND j.value != '' GROUP BY lower(j.value)",
            "month": "SELECT 'month', month, count(*) FROM h WHERE month IS NOT NULL GROUP BY 2",
        }
        sql = f"WITH h AS MATERIALIZED ({hits}) " + " UNION ALL ".join(parts.values())
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in parts}
        with self._lock:
            for name, value, n in self._db.execute(sql, args):
                out[name].append((value, n))
        for name, values in out.items():
            key = (lambda v: v[0]) if name == "month" else (lambda v: (-v[1], v[0]))
            values.sort(key=key, reverse=name == "month")
            out[name] = values[:limit] if name != "month" else values
        return out

    def get(self, url: str) -> Article | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM articles WHERE key = ?", (url,)).fetchone()
            if row is None:
                row = self._db.execute("SELECT doc FROM articles WHERE url = ? LIMIT 1", (url,)).fetchone()
        return json.loads(row[0]) if row else None

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None  # type: ignore[assignment]

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def hit_snippet(article: Article, parsed: ParsedQuery) -> str:
    """Body passage with the matches; the title when only the title matched.

    Public because the Elasticsearch backend uses it too: both backends then give identical snippets.
    """
    terms = parsed.all_terms()
    body = " ".join(p for p in (article.get("subtitle") or "", article.get("text") or "") if p)
    text_snip, n = snippet_and_count(body, terms)
    if n or not terms:
        return text_snip
    title_snip, n = snippet_and_count(article.get("title") or "", terms)
    return title_snip if n else text_snip


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT/ROLLBACK on an autocommit connection: one write lock per batch."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
