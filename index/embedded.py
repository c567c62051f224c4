"""The default search backend: one SQLite file with an FTS5 index, no server to run.

Analysis happens in Python (``index.analysis``, ``index.fields``) and FTS5 only stores the
resulting terms, joined by spaces, in a table whose ``ascii`` tokenizer splits on spaces and leaves
non-ASCII untouched — so terms reach the index exactly as analyzed and the Elasticsearch backend,
mirroring the same analysis, finds the same documents. The FTS table has one column per field and
form: headline, lead and body stems, headline and body exact forms, headline and body roots; each
query alternative is restricted to its columns with an FTS5 column filter, and ``bm25`` weighs
the columns (``FIELD_WEIGHTS``). ``articles`` keeps the full Article JSON plus the columns the
filters and the date sort need; its integer id is the FTS rowid.

Forgiving matching (``index.query``): one FTS5 query ORs every group; for each group an
``IN (subquery)`` says whether a row matched it, so rows are ranked by groups matched, then BM25,
and the requirement drops a group at a time until some row qualifies.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.record import Article
from core.wal import connect_wal
from index.analysis import ANALYZER_VERSION
from index.base import SearchHit, SearchPage, SearchQuery, UpsertResult, dedupe_batch
from index.dates import to_utc
from index.fields import FIELD_WEIGHTS, IndexTerms, index_terms
from index.fieldscore import FTS5_SCALE, FieldStats, needle, padded
from index.highlight import hit_snippet
from index.liveness import LiveState, apply, fresh, version_count
from index.query import (
    COORD,
    PROXIMITY_BONUS,
    RESCORE_WINDOW,
    TITLE_COORD,
    ParsedQuery,
    QueryWord,
    parse_query,
    proximity,
    title_groups,
)
from index.stories import Assignment, BatchStories, Member, Sketch, sketch, story_fields
from index.versions import versions_after

logger = logging.getLogger(__name__)
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
    live TEXT NOT NULL DEFAULT 'alive',   -- index.liveness.LIVE
    versions INTEGER NOT NULL DEFAULT 1,  -- how many versions (index.versions)
    story TEXT,                           -- index.stories: the story_id, for collapsing copies
    original_source TEXT NOT NULL DEFAULT ''  -- the publisher the article credits (a facet)
);
-- index.stories: each article's MinHash sketch and its LSH band keys, so a new article finds the
-- copies it may be of among those sharing a band (an indexed lookup, not a scan).
CREATE TABLE IF NOT EXISTS sketches (id INTEGER PRIMARY KEY, sketch TEXT NOT NULL, founded TEXT);
CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bands_band ON bands(band);
CREATE INDEX IF NOT EXISTS bands_id ON bands(id);
-- The full Article JSON (WARC pointer included) lives apart, so the rows a query joins and filters
-- on stay small: a common word's thousands of matches are looked up in a few megabytes.
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_utc);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source, published_utc);
CREATE INDEX IF NOT EXISTS articles_section ON articles(section);
CREATE INDEX IF NOT EXISTS articles_live ON articles(live);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story);
"""
# Columns added after files were first written: (name, definition, how to fill it from the doc).
_ADDED_COLUMNS = (
    ("live", "TEXT NOT NULL DEFAULT 'alive'", "coalesce(json_extract(d.doc, '$.live'), 'alive')"),
    ("versions", "INTEGER NOT NULL DEFAULT 1", "max(1, coalesce(json_array_length(d.doc, '$.versions'), 1))"),
    ("story", "TEXT", "json_extract(d.doc, '$.story_id')"),
    ("original_source", "TEXT NOT NULL DEFAULT ''", "coalesce(json_extract(d.doc, '$.original_source'), '')"),
)
# Articles compared with a new one, those sharing the most band keys first (a true copy shares
# many; a template bulletin shares a few keys with hundreds of others).
_MAX_CANDIDATES = 100
# ascii: splits on ASCII non-alphanumerics only (our terms hold none but "_", declared a token
# char) and folds nothing outside ASCII, so every stored term is exactly what analysis produced.
_FTS = f"""CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    {", ".join(FIELD_WEIGHTS)}, tokenize = "ascii tokenchars '_'", detail = full
)"""
_RANK = f"bm25({', '.join(str(w) for w in FIELD_WEIGHTS.values())})"
# In the rescore window the short columns are scored per field (``index.fieldscore``) and only the
# long body columns keep FTS5's whole-row BM25, which the body's length dominates anyway.
_COLUMNS = list(FIELD_WEIGHTS)
_SHORT = {"title", "lead", "title_x", "title_r", "lead_r"}
_SHORT_WEIGHTS = [w if c in _SHORT else 0.0 for c, w in FIELD_WEIGHTS.items()]
_LONG_RANK = f"bm25(fts, {', '.join(str(0.0 if c in _SHORT else w) for c, w in FIELD_WEIGHTS.items())})"
_STEM_COLS = tuple(_COLUMNS.index(c) for c in ("title", "lead", "body"))
_EXACT_COLS = tuple(_COLUMNS.index(c) for c in ("title_x", "body_x"))
_ROOT_COLS = tuple(_COLUMNS.index(c) for c in ("title_r", "lead_r"))


def _article_utc(value: Any) -> str | None:
    """``published`` of a stored article; an unparseable date just drops out of date filters."""
    try:
        return to_utc(value) if isinstance(value, str) else None
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
        # Query plans (level and tier sizes), valid while
        # the database is unchanged: ``PRAGMA data_version`` moves when any connection commits, so
        # a search after a crawl's write never uses a stale plan. A page's search and its facets
        # then share one plan.
        self._plans: dict[tuple, _Plan] = {}
        self._last_ids: tuple[tuple, list[int] | None] = ((), None)  # (plan key, its matching rowids)
        self._data_version = -1
        self._db = connect_wal(self.path, timeout=busy_timeout, check_same_thread=False, isolation_level=None)
        self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        self._create()
        self._stats = FieldStats(self._db, "fts", _COLUMNS)  # per-field BM25 of the rescore window

    # -- schema -----------------------------------------------------------------------------

    def _create(self) -> None:
        """Create the schema on first open; later opens only read, so a search never waits on a
        crawl's lock — unless the file was built by an older version, which ``_upgrade`` brings
        up to date from the stored articles."""
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
                tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            row = self._db.execute("SELECT value FROM meta WHERE key = 'analyzer_version'").fetchone()
            if row is None or row[0] != str(ANALYZER_VERSION) or "docs" not in tables:
                self._upgrade(row[0] if row else "?")
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(articles)")}
            if any(name not in columns for name, _, _ in _ADDED_COLUMNS):
                self._add_columns()

    def _add_columns(self) -> None:
        """Columns a newer version filters on, added to a file an older one wrote and filled from
        the stored articles (no re-analysis needed)."""
        with self._tx() as db:
            columns = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
            for name, definition, fill in _ADDED_COLUMNS:
                if name in columns:
                    continue
                logger.warning("%s: adding the %s column to an index written by an older version", self.path, name)
                db.execute(f"ALTER TABLE articles ADD COLUMN {name} {definition}")
                db.execute(f"UPDATE articles SET {name} = (SELECT {fill} FROM docs d WHERE d.id = articles.id)")
            for statement in _SCHEMA.split(";"):  # the tables and indexes added with them
                if statement.strip().startswith(("CREATE INDEX", "CREATE TABLE")):
                    db.execute(statement)

    def _upgrade(self, version: str) -> None:
        """Bring a file built by an older version up to date in place: the article JSON moved to
        ``docs``, and the FTS table is re-analyzed from the stored articles (the index is derived,
        so nothing needs the WARC files for this)."""
        with self._tx() as db:
            # Another process may have upgraded the file while this one waited for the write lock.
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            row = db.execute("SELECT value FROM meta WHERE key = 'analyzer_version'").fetchone()
            if "docs" in tables and row is not None and row[0] == str(ANALYZER_VERSION):
                return
            columns = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
            if "doc" in columns:
                db.execute("CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
                db.execute("INSERT OR REPLACE INTO docs SELECT id, doc FROM articles")
                db.execute("ALTER TABLE articles DROP COLUMN doc")
            n = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            logger.warning("%s: built by an older version (analyzer %s, this code %s); re-analyzing %d article(s)",
                           self.path, version, ANALYZER_VERSION, n)
            db.execute("DROP TABLE IF EXISTS fts")
            self._create_fts()
            rows = db.execute("SELECT id, doc FROM docs")
            while batch := rows.fetchmany(500):
                db.executemany(self._fts_insert(), [(i, *self._fts_terms(json.loads(d))) for i, d in batch])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('analyzer_version', ?)", (str(ANALYZER_VERSION),))

    @staticmethod
    def _fts_insert() -> str:
        return f"INSERT INTO fts (rowid, {', '.join(FIELD_WEIGHTS)}) VALUES (?{',?' * len(FIELD_WEIGHTS)})"

    @staticmethod
    def _fts_terms(doc: Article, t: IndexTerms | None = None) -> tuple[str, ...]:
        t = t or index_terms(doc)
        return t.title, t.lead, t.body, t.title_exact, t.body_exact, t.title_root, t.lead_root

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
        earlier: dict[str, list[tuple[Article, str]]] = {}
        prepared = dedupe_batch(articles, result, earlier)  # key -> (article, hash), last copy in the batch wins
        if not prepared:
            return result
        order = list(prepared)

        with self._lock, self._tx() as db:
            existing: dict[str, tuple[int, str]] = {}
            for chunk in _chunks(order, _IN_CHUNK):
                marks = ",".join("?" * len(chunk))
                for key, rowid, digest in db.execute(
                    f"SELECT key, id, content_hash FROM articles WHERE key IN ({marks})", chunk
                ):
                    existing[key] = (rowid, digest)
            next_id = (db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]) + 1
            stored = self._stored_docs(db, [existing[k][0] for k in order
                                            if k in existing and existing[k][1] != prepared[k][1]])
            new_rows: list[tuple] = []
            changed_rows: list[tuple] = []
            fts_rows: list[tuple] = []
            sketch_rows: list[tuple[int, Sketch | None, str | None]] = []
            stories = BatchStories()
            for key in order:
                art, digest = prepared[key]
                old = existing.get(key)
                if old is not None and old[1] == digest:
                    result.unchanged += 1
                    continue
                try:
                    before = stored.get(old[0]) if old else None
                    versions = versions_after(before, [*earlier.get(key, []), (art, digest)])
                    terms = index_terms(art)  # once, for the index and the story sketch
                    art_sketch = sketch(art, terms)
                    found = stories.assign(key, art_sketch, self._candidates(db, art_sketch), art.get("published"))
                    row, fts = self._row(key, art, digest, versions, found, terms)
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
                sketch_rows.append((rowid, art_sketch, found.founded))
            db.executemany(
                "INSERT INTO articles (id, key, url, source, section, published, published_utc, fetched, content_hash,"
                " agencies, live, versions, story, original_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [r[:-1] for r in new_rows],
            )
            db.executemany(
                "UPDATE articles SET key=?, url=?, source=?, section=?, published=?, published_utc=?, fetched=?,"
                " content_hash=?, agencies=?, live=?, versions=?, story=?, original_source=? WHERE id=?",
                [(*r[:-2], r[-1]) for r in changed_rows],
            )
            db.executemany("INSERT OR REPLACE INTO docs (id, doc) VALUES (?, ?)",
                           [(r[0], r[-1]) for r in new_rows] + [(r[-1], r[-2]) for r in changed_rows])
            self._forget()
            db.executemany("DELETE FROM fts WHERE rowid=?", [(r[-1],) for r in changed_rows])
            db.executemany(self._fts_insert(), fts_rows)
            self._store_sketches(db, sketch_rows)
        return result

    @staticmethod
    def _candidates(db: sqlite3.Connection, art_sketch: Sketch | None) -> list[Member]:
        """Stored articles sharing an LSH band key with ``art_sketch`` (``index.stories``)."""
        if art_sketch is None:
            return []
        bands = list(art_sketch.band_ints)
        rows = db.execute(
            "SELECT a.key, coalesce(a.story, ''), s.sketch, s.founded FROM articles a"
            " JOIN sketches s ON s.id = a.id"
            f" WHERE a.id IN (SELECT id FROM bands WHERE band IN ({','.join('?' * len(bands))})"
            " GROUP BY id ORDER BY count(*) DESC LIMIT ?)",
            [*bands, _MAX_CANDIDATES])
        return [Member(key, story, Sketch.decode(value), when) for key, story, value, when in rows if story]

    @staticmethod
    def _store_sketches(db: sqlite3.Connection, rows: list[tuple[int, Sketch | None, str | None]]) -> None:
        ids = [(rowid,) for rowid, _, _ in rows]
        db.executemany("DELETE FROM bands WHERE id = ?", ids)
        db.executemany("DELETE FROM sketches WHERE id = ?", ids)
        kept = [(rowid, s, founded) for rowid, s, founded in rows if s is not None]
        db.executemany("INSERT INTO sketches (id, sketch, founded) VALUES (?, ?, ?)",
                       [(i, s.encode(), founded) for i, s, founded in kept])
        db.executemany("INSERT INTO bands (band, id) VALUES (?, ?)",
                       [(b, i) for i, s, _ in kept for b in s.band_ints])

    @staticmethod
    def _stored_docs(db: sqlite3.Connection, ids: list[int]) -> dict[int, Article]:
        """The stored records of these rows (the ones being replaced: their versions go on)."""
        out: dict[int, Article] = {}
        for chunk in _chunks(ids, _IN_CHUNK):
            marks = ",".join("?" * len(chunk))
            for rowid, doc in db.execute(f"SELECT id, doc FROM docs WHERE id IN ({marks})", chunk):
                out[rowid] = json.loads(doc)
        return out

    @staticmethod
    def _row(key: str, art: Article, digest: str, versions: list | None = None,
             found: Assignment | None = None, terms: IndexTerms | None = None) -> tuple[tuple, tuple[str, ...]]:
        doc = fresh(art)  # it came from a page that answered with text
        if found is not None:
            doc.update(story_fields(found))  # type: ignore[typeddict-item]
        doc.setdefault("canonical_url", "")
        doc["content_hash"] = digest
        if versions is not None:
            doc["versions"] = versions
        agencies = [a for a in (doc.get("agencies") or []) if isinstance(a, str)]
        published = doc.get("published")
        row = (
            key, doc.get("url") or key, doc.get("source") or "", doc.get("section") or "",
            published, _article_utc(published), doc.get("fetched") or "", digest,
            json.dumps(agencies, ensure_ascii=False), doc["live"], version_count(doc), doc.get("story_id"),
            doc.get("original_source") or "",
            json.dumps(doc, ensure_ascii=False),
        )
        return row, EmbeddedBackend._fts_terms(art, terms)  # ``art``: it may carry its terms (AnalyzedArticle)

    def clear(self) -> None:
        """Empty both tables; the FTS table is dropped and recreated, far faster than deleting rows."""
        with self._lock, self._tx() as db:
            self._forget()
            db.execute("DELETE FROM articles")
            db.execute("DELETE FROM docs")
            db.execute("DELETE FROM sketches")
            db.execute("DELETE FROM bands")
            db.execute("DROP TABLE fts")
            self._create_fts()
            # An emptied index is refilled by this code, so it now holds this analyzer's terms.
            db.execute("INSERT OR REPLACE INTO meta VALUES ('analyzer_version', ?)", (str(ANALYZER_VERSION),))

    # A rebuild empties the file and refills it in place (``index.base.SearchBackend``): one file and
    # no server, so there is no second index to swap in — and a crawl writing meanwhile keeps writing
    # to the index searches read. Searches see the refill grow batch by batch.

    def begin_rebuild(self) -> None:
        """Start a rebuild by emptying the index (``clear``)."""
        self.clear()

    def finish_rebuild(self) -> None:
        """Nothing to swap: the refilled file is already the one searches read."""

    def abort_rebuild(self) -> None:
        """Nothing to restore: what was refilled before the failure stays searchable, and a
        reindex run again refills the rest."""

    # -- reading ----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        """Ranked (groups matched, then bm25 over the weighted columns) or newest-first results;
        filters narrow both.

        Raises ValueError only for an unparseable since/until date; any query text is accepted.
        """
        parsed = parse_query(query.text)
        offset, per_page = query.window()
        date_order = "a.published_utc IS NULL, a.published_utc DESC, a.fetched DESC, a.id DESC"
        hits: list[SearchHit] = []

        with self._lock:
            if parsed.empty:
                where, params = self._filters(query)
                cond = " AND ".join(where) or "1"
                total = self._db.execute(f"SELECT count(*) FROM articles a WHERE {cond}", params).fetchone()[0]
                rows = [(doc, 0.0, set()) for (doc,) in self._db.execute(
                    f"SELECT d.doc FROM articles a JOIN docs d ON d.id = a.id WHERE {cond} ORDER BY {date_order}"
                    " LIMIT ? OFFSET ?", [*params, per_page, offset])]
            else:
                plan = self._plan(parsed, query)
                parsed = plan.parsed
                where, params = self._filters(query, fts_first=True)
                total = plan.total
                if query.sort == "date":
                    page_rows = self._date_page(parsed, where, params, plan, offset, per_page, date_order)
                else:
                    page_rows = self._ranked_page(parsed, where, params, plan, offset, per_page, date_order)
                ids = [r[0] for r in page_rows]
                docs = dict(self._db.execute(f"SELECT id, doc FROM docs WHERE id IN ({','.join('?' * len(ids))})",
                                             ids).fetchall()) if ids else {}
                # Rows of the top tier match every group; only the others need looking up.
                matched_groups = self._groups_of([r[0] for r in page_rows if r[2] != len(parsed.words)], parsed)
                everything = set(range(len(parsed.words)))
                rows = [(docs[i], score, matched_groups.get(i, everything)) for i, score, _ in page_rows if i in docs]

        for doc, score, groups in rows:
            article: Article = json.loads(doc)
            hits.append(SearchHit(article=article, score=float(score) + (COORD * len(groups) if groups else 0.0),
                                  snippet=hit_snippet(article, parsed), missing=parsed.missing(groups)
                                  if parsed.words or parsed.loosened else []))
        return SearchPage(total=total, hits=hits, query=query)

    def scan(self, query: SearchQuery, batch: int = 500) -> Iterator[Article]:
        """Every matching article, newest published first (``SearchBackend.scan``): keyset pages over
        ``(published_utc, id)`` — the order of the ``articles_published`` index — so each batch is an
        index range, not a re-sort of everything, and the lock is held per batch only (a slow
        download does not stall the searches of other requests)."""
        parsed = parse_query(query.text)
        where, params = self._filters(query)  # ValueError for a bad date now, before any row
        if not parsed.empty:
            with self._lock:
                plan = self._plan(parsed, query)
            if not plan.total:
                return iter(())
            # the rows the search counts (as in ``facets``): its plan's requirement level
            where = ["a.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)", *where]
            params = [tier_expr(plan.parsed, plan.level), *params]
        return self._scan_rows(" AND ".join(where) or "1", params, max(1, int(batch)))

    def _scan_rows(self, cond: str, params: list[Any], batch: int) -> Iterator[Article]:
        select = f"SELECT a.published_utc, a.id, d.doc FROM articles a JOIN docs d ON d.id = a.id WHERE {cond}"
        after: tuple = ()
        while True:  # dated articles, newest first
            keyset = " AND (a.published_utc, a.id) < (?, ?)" if after else ""
            with self._lock:
                rows = self._db.execute(f"{select} AND a.published_utc IS NOT NULL{keyset}"
                                        " ORDER BY a.published_utc DESC, a.id DESC LIMIT ?",
                                        [*params, *after, batch]).fetchall()
            for *_, doc in rows:
                yield json.loads(doc)
            if len(rows) < batch:
                break
            after = tuple(rows[-1][:2])
        last: tuple = ()
        while True:  # then the undated ones (a NULL compares with nothing, so they get their own pass)
            keyset = " AND a.id < ?" if last else ""
            with self._lock:
                rows = self._db.execute(f"{select} AND a.published_utc IS NULL{keyset} ORDER BY a.id DESC LIMIT ?",
                                        [*params, *last, batch]).fetchall()
            for *_, doc in rows:
                yield json.loads(doc)
            if len(rows) < batch:
                return
            last = (rows[-1][1],)

    def _date_page(self, parsed: ParsedQuery, where: list[str], params: list[Any], plan: _Plan, offset: int,
                   per_page: int, date_order: str) -> list[tuple[int, float, int | None]]:
        """``(id, score, groups matched or None)`` of one page, newest first."""
        if not plan.total:
            return []
        cond = " AND ".join(["fts MATCH ?", *where])
        return [(i, 0.0, None) for (i,) in self._db.execute(
            f"SELECT a.id FROM fts JOIN articles a ON a.id = fts.rowid WHERE {cond} ORDER BY {date_order}"
            " LIMIT ? OFFSET ?", [tier_expr(parsed, plan.level), *params, per_page, offset])]

    def _ranked_page(self, parsed: ParsedQuery, where: list[str], params: list[Any], plan: _Plan, offset: int,
                     per_page: int, date_order: str) -> list[tuple[int, float, int | None]]:
        """``(id, score, groups matched)`` of one page: tier by tier (most groups first), BM25 within
        a tier, and the first ``RESCORE_WINDOW`` rows of each tier the page reaches re-scored from
        their stored headline terms — a headline with more of the query's words comes first, and
        consecutive query words side by side in it add ``PROXIMITY_BONUS`` (the Elasticsearch
        backend scores the same bonuses over every document; within the window the two agree).
        Tiers below the page are never ranked: a row there cannot climb above a fuller tier."""
        need = offset + per_page
        rows: list[tuple[int, float, int]] = []
        for matched, expr in self._tiers(parsed, plan):
            if len(rows) >= need:
                break
            limit = max(RESCORE_WINDOW, need - len(rows))
            # A tier is "at least k groups" minus the fuller tiers, whose rows are all in ``rows``
            # by now (a tier is only reached when the ones above it ran out).
            cond = " AND ".join(["fts MATCH ?", *where] + ([f"fts.rowid NOT IN ({','.join('?' * len(rows))})"]
                                                            if rows else []))
            args = [expr, *params, *(r[0] for r in rows), limit]
            # The long columns' own score comes along: with FTS5 ordering by rank itself, auxiliary
            # functions of the select list run for the returned rows only.
            if where:
                got = self._db.execute(
                    f"SELECT a.id, -fts.rank, {matched}, -{_LONG_RANK} FROM fts JOIN articles a ON a.id = fts.rowid"
                    f" WHERE {cond} ORDER BY fts.rank, {date_order} LIMIT ?", args).fetchall()
            else:  # FTS5 orders by rank on its own; _rescore breaks ties by date within the window
                got = self._db.execute(f"SELECT rowid, -rank, {matched}, -{_LONG_RANK} FROM fts WHERE {cond}"
                                       " ORDER BY rank LIMIT ?", args).fetchall()
            rows += self._rescore(parsed, got[:RESCORE_WINDOW]) + [r[:3] for r in got[RESCORE_WINDOW:]]
        return rows[offset:need]

    def _rescore(self, parsed: ParsedQuery,
                 window: list[tuple[int, float, int, float]]) -> list[tuple[int, float, int]]:
        """Rows of one tier re-sorted: the body columns' BM25 as FTS5 gave it, the short columns'
        (headline, lead and their exact and root forms) per field as Lucene scores them, plus the
        headline bonuses (see ``_ranked_page``)."""
        marks = ",".join("?" * len(window))
        ids = [r[0] for r in window]
        short = {i: (t.split(), [padded(t), padded(lead), "", padded(x), "", padded(r), padded(lr)])
                 for i, t, lead, x, r, lr in self._db.execute(
                     f"SELECT rowid, title, lead, title_x, title_r, lead_r FROM fts WHERE rowid IN ({marks})", ids)}
        # Newest first among equal scores (syndicated copies score alike), as the engine sorts.
        dates = {i: (p or "", f or "", i) for i, p, f in self._db.execute(
            f"SELECT id, published_utc, fetched FROM articles WHERE id IN ({marks})", ids)}
        scorers = self._stats.scorers(_forms(parsed), _SHORT_WEIGHTS)
        empty: tuple[list[str], list[str]] = ([], [""] * len(_COLUMNS))
        head = []
        for i, _rank, matched, long_score in window:
            stems, columns = short.get(i, empty)
            in_title = title_groups(parsed, stems, set(columns[3].split()), set(columns[5].split()))
            score = long_score / FTS5_SCALE + self._stats.score(scorers, columns)
            head.append((i, score + TITLE_COORD * in_title + PROXIMITY_BONUS * proximity(parsed, stems), matched))
        head.sort(key=lambda r: dates.get(r[0], ("", "", 0)), reverse=True)
        head.sort(key=lambda r: -r[1])  # stable: newest first among equal scores
        return head

    def _forget(self) -> None:
        self._plans.clear()
        self._stats.reset()
        self._last_ids = ((), None)

    def _fresh(self) -> None:
        """Drop cached plans and frequencies once another connection has written to the database
        (``data_version`` does not move for this connection's own writes: those call ``_forget``)."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._forget()
            self._data_version = version

    def _plan(self, parsed: ParsedQuery, query: SearchQuery) -> _Plan:
        """Which query to run and how many groups a row must match — the first of
        ``parsed.attempts()`` some filtered row reaches — and how many rows do. Cached per query
        text and filters (see ``__init__``)."""
        self._fresh()
        key = _plan_key(query)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        where, params = self._filters(query, fts_first=True)
        attempts = parsed.attempts()
        plan = _Plan(*attempts[-1], {})
        for attempt, level in attempts:
            ids = self._ids(tier_expr(attempt, level), where, params)
            if ids:
                plan = _Plan(attempt, level, {level: len(ids)})
                # The page's facets come right after its search: they count these same rows.
                self._last_ids = (key, ids if len(ids) <= _KEEP_IDS else None)
                break
        if len(self._plans) >= 256:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _ids(self, expr: str, where: list[str], params: list[Any]) -> list[int]:
        """Rowids of the filtered rows matching ``expr``, in rowid order."""
        if not where:  # no filter: FTS5 reads its doclists alone, no row lookups
            return [r for (r,) in self._db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", [expr])]
        cond = " AND ".join(["fts MATCH ?", *where])
        return [r for (r,) in self._db.execute(
            f"SELECT a.id FROM fts JOIN articles a ON a.id = fts.rowid WHERE {cond}", [expr, *params])]

    def _tiers(self, parsed: ParsedQuery, plan: _Plan) -> list[tuple[int, str]]:
        """``(groups matched, FTS5 expression of at least that many)`` from all groups down to the
        plan's level; each is ranked on its own (without the rows of the tiers above), so BM25 is
        only ever computed for the rows of the tiers the page reaches (and nothing is counted:
        the plan's total is all a page needs).

        For a row matching exactly k groups, FTS5 evaluates just one branch of the nested "at
        least k" as matching and bm25 counts the phrases of matching branches only, so each of
        the row's groups counts once. Each phrase of the expression costs bm25 a pass over its
        doclist (for its idf), so the expression with fewest phrases is the one to rank by."""
        if not plan.total:
            return []
        return [(k, tier_expr(parsed, k)) for k in range(len(parsed.words), plan.level - 1, -1)]

    def _groups_of(self, ids: list[int], parsed: ParsedQuery) -> dict[int, set[int]]:
        """Which groups each of the rows ``ids`` matches, read off its stored columns: a group
        matches where one of its forms occurs in a column its MATCH expression searches."""
        out: dict[int, set[int]] = {i: set() for i in ids}
        if not ids or not parsed.words:
            return out
        needles = [[(needle(terms), cols) for terms, cols in _word_forms(w)] for w in parsed.words]
        for rowid, *columns in self._db.execute(
                f"SELECT rowid, {', '.join(_COLUMNS)} FROM fts WHERE rowid IN ({','.join('?' * len(ids))})", ids):
            cols = [padded(c) for c in columns]
            out[rowid] = {g for g, forms in enumerate(needles)
                          if any(n in cols[c] for n, cs in forms for c in cs)}
        return out

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
            params.append(to_utc(query.since))
        if query.until:
            where.append(f"{plus}a.published_utc <= ?")
            params.append(to_utc(query.until, end_of_day=True))
        if query.original_source:
            where.append(f"{plus}a.original_source = ?")
            params.append(query.original_source)
        if query.status == "changed":
            where.append(f"{plus}a.versions > 1")
        elif query.status:
            where.append(f"{plus}a.live = ?")
            params.append(query.status)
        return where, params

    def facets(self, query: SearchQuery, limit: int = 20) -> dict[str, list[tuple[str, int]]]:
        """Counts per source, section, agency, month (``YYYY-MM``, UTC) and status over the documents
        the query matches, filters included, so each count is what a click on it would return.

        The matching rows' facet columns are materialized once and the GROUP BYs run over
        them; months come
        from ``published_utc`` because that is what the since/until filters compare. Values are
        ordered by count (months newest first); empty values are left out.
        """
        parsed = parse_query(query.text)
        cols = ("a.id, a.source, a.section, a.agencies, substr(a.published_utc, 1, 7) AS month, a.live, a.versions,"
                " a.original_source")
        parts = {
            "source": "SELECT 'source', source, count(*) FROM f WHERE source != '' GROUP BY 2",
            "section": "SELECT 'section', section, count(*) FROM f WHERE section != '' GROUP BY 2",
            # grouped without case, like the agency filter (and the engine's lowercased keyword)
            "agency": "SELECT 'agency', min(j.value), count(DISTINCT f.id) FROM f, json_each(f.agencies) j"
                      " WHERE f.agencies != '[]' AND j.value != '' GROUP BY lower(j.value)",
            "month": "SELECT 'month', month, count(*) FROM f WHERE month IS NOT NULL GROUP BY 2",
            "status": "SELECT 'status', live, count(*) FROM f GROUP BY 2",
            "original_source": "SELECT 'original_source', original_source, count(*) FROM f"
                               " WHERE original_source != '' GROUP BY 2",
            "changed": "SELECT 'status', 'changed', n FROM (SELECT count(*) AS n FROM f WHERE versions > 1)"
                       " WHERE n > 0",
        }
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in parts if name != "changed"}
        with self._lock:
            if parsed.empty:
                where, args = self._filters(query)
                sql = f"WITH f AS MATERIALIZED (SELECT {cols} FROM articles a WHERE {' AND '.join(where) or '1'}) "
            else:
                plan = self._plan(parsed, query)
                parsed = plan.parsed
                key, ids = self._last_ids
                if ids is not None and key == _plan_key(query):
                    # The rows the search just counted (filters applied), read in rowid order.
                    sql = (f"WITH f AS MATERIALIZED (SELECT {cols} FROM articles a WHERE a.id IN"
                           " (SELECT value FROM json_each(?))) ")
                    args = [json.dumps(ids)]
                else:
                    where, params = self._filters(query)
                    # IN (subquery): the matching rowids are collected and sorted first, so the
                    # article rows are read in order rather than looked up one by one.
                    cond = " AND ".join(["a.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)", *where])
                    sql = f"WITH f AS MATERIALIZED (SELECT {cols} FROM articles a WHERE {cond}) "
                    args = [tier_expr(parsed, plan.level), *params]
            for name, value, n in self._db.execute(sql + " UNION ALL ".join(parts.values()), args):
                out[name].append((value, n))
        for name, values in out.items():
            key = (lambda v: v[0]) if name == "month" else (lambda v: (-v[1], v[0]))
            values.sort(key=key, reverse=name == "month")
            out[name] = values[:limit] if name != "month" else values
        return out

    def set_liveness(self, states: dict[str, LiveState]) -> int:
        """Record readings of pages (``index.liveness``) on the articles they are, by canonical URL
        or URL; URLs not in the index are left out. Returns how many articles were updated."""
        updated = 0
        with self._lock, self._tx() as db:
            for url, state in states.items():
                row = db.execute("SELECT a.id, d.doc FROM articles a JOIN docs d ON d.id = a.id"
                                 " WHERE a.key = ? OR a.url = ? LIMIT 1", (url, url)).fetchone()
                if row is None:
                    continue
                doc = apply(json.loads(row[1]), state)
                db.execute("UPDATE articles SET live = ? WHERE id = ?", (doc["live"], row[0]))
                db.execute("UPDATE docs SET doc = ? WHERE id = ?", (json.dumps(doc, ensure_ascii=False), row[0]))
                updated += 1
            if updated:
                self._forget()
        return updated

    def members(self, story_ids: list[str], limit: int = 50) -> dict[str, list[Article]]:
        """The articles of each story, earliest published first, at most ``limit`` per story."""
        out: dict[str, list[Article]] = {}
        wanted = [s for s in dict.fromkeys(story_ids) if s]
        with self._lock:
            for chunk in _chunks(wanted, _IN_CHUNK):
                rows = self._db.execute(
                    "SELECT a.story, d.doc FROM articles a JOIN docs d ON d.id = a.id"
                    f" WHERE a.story IN ({','.join('?' * len(chunk))})"
                    " ORDER BY a.published_utc IS NULL, a.published_utc, a.fetched, a.id", chunk)
                for story, doc in rows:
                    got = out.setdefault(story, [])
                    if len(got) < limit:
                        got.append(json.loads(doc))
        return out

    def get(self, url: str) -> Article | None:
        with self._lock:
            row = self._db.execute("SELECT d.doc FROM articles a JOIN docs d ON d.id = a.id WHERE a.key = ?",
                                   (url,)).fetchone()
            if row is None:
                row = self._db.execute("SELECT d.doc FROM articles a JOIN docs d ON d.id = a.id WHERE a.url = ?"
                                       " LIMIT 1", (url,)).fetchone()
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


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _phrase(terms: tuple[str, ...] | list[str]) -> str:
    return " + ".join(_quote(t) for t in terms)


def group_expr(word: QueryWord) -> str:
    """FTS5 expression for one group: each of its forms (``_word_forms``: stems or phrase, exact,
    root, skeleton, spelling variants) in the columns that hold that form. Every token is a
    double-quoted string, so no user text is ever FTS5 syntax."""
    return "(" + " OR ".join(f"{_column_filter(cols)} : {_phrase(terms)}" for terms, cols in _word_forms(word)) + ")"


def _column_filter(columns: tuple[int, ...]) -> str:
    return "{" + " ".join(_COLUMNS[c] for c in columns) + "}"


def _word_forms(word: QueryWord) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
    """The forms a group is searched in (``group_expr``) and scored by (``_rescore``), each with the
    columns that hold it."""
    out = [(word.terms, _STEM_COLS)]
    if word.exact:
        out.append(((word.exact,), _EXACT_COLS))
    if word.root:
        out.append(((word.root,), _ROOT_COLS))
    if word.skeleton:
        out.append(((word.skeleton,), _ROOT_COLS))
    return out + [(v.terms, _STEM_COLS) for v in word.variants]


def _forms(parsed: ParsedQuery) -> list[tuple[tuple[str, ...], list[tuple[tuple[str, ...], tuple[int, ...]]]]]:
    """Per group (and quoted phrase) of the query: its stem terms and every form the MATCH
    expression searches for it, with the columns it is searched in."""
    return ([(w.terms, _word_forms(w)) for w in parsed.words]
            + [(tuple(p), [(tuple(p), _STEM_COLS)]) for p in parsed.phrases])


def _at_least(k: int, groups: list[str]) -> str:
    """FTS5 boolean for "at least ``k`` of ``groups``", nested — the first group and k-1 of the
    rest, or k of the rest — so each group occurs far fewer times than in the (n choose k) ANDs."""
    if k <= 1:
        return " OR ".join(groups)
    if k >= len(groups):
        return " AND ".join(groups)
    return f"({groups[0]} AND ({_at_least(k - 1, groups[1:])})) OR ({_at_least(k, groups[1:])})"


def tier_expr(parsed: ParsedQuery, k: int) -> str:
    """FTS5 expression for rows matching at least ``k`` of the groups (any, for k = 0), and every
    quoted phrase; FTS5 evaluates it by merging doclists, without ranking."""
    groups = [group_expr(w) for w in parsed.words]
    clauses = [_at_least(max(k, 1), groups)] if groups else []
    clauses += [f"{_column_filter(_STEM_COLS)} : {_phrase(p)}" for p in parsed.phrases]
    return " AND ".join(f"({c})" for c in clauses)


def fts5_match(parsed: ParsedQuery) -> str:
    """The FTS5 MATCH expression of a whole query at its full requirement (tests inspect it)."""
    return tier_expr(parsed, parsed.required())


_KEEP_IDS = 200_000  # matching rowids kept for the facets that follow a search (at most ~2 MB)


def _plan_key(query: SearchQuery) -> tuple:
    return (query.text, tuple(query.sources or ()), query.section, query.agency, query.since, query.until,
            query.status, query.original_source)


@dataclass
class _Plan:
    parsed: ParsedQuery  # the query as typed, or the one it fell back to (``ParsedQuery.attempts``)
    level: int  # groups a row must match
    at_least: dict[int, int]  # k -> rows matching at least k groups (the plan's level only)

    @property
    def total(self) -> int:
        return self.at_least.get(self.level, 0)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT/ROLLBACK on an autocommit connection: one write lock per batch."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
