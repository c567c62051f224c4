"""Build the benchmark indexes: the embedded backend, Elasticsearch, and a no-analysis baseline."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from bench.corpus import batches
from core.record import Article
from index import es_mapping
from index.analysis import ANALYZER_VERSION
from index.backends import es_client_options
from index.base import SearchQuery
from index.elastic import ElasticBackend
from index.embedded import EmbeddedBackend

BENCH_DIR = Path(os.environ.get("AKHBAR_BENCH_DIR", "/tmp/akhbar-bench"))
ES_PREFIX = "akhbar-bench"
BATCH = 500


def es_url() -> str:
    return os.environ.get("AKHBAR_ES_URL", "http://127.0.0.1:9200")


def _embedded_stale(path: Path) -> bool:
    """Whether the index file was built by another analyzer version (its terms would not match)."""
    if not path.exists():
        return False
    db = sqlite3.connect(path)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'analyzer_version'").fetchone()
    except sqlite3.Error:
        return True
    finally:
        db.close()
    return row is None or row[0] != str(ANALYZER_VERSION)


def open_embedded(fresh: bool) -> EmbeddedBackend:
    """The benchmark's embedded index; rebuilt from nothing when ``fresh`` or built by older code."""
    path = BENCH_DIR / "index.sqlite"
    if fresh or _embedded_stale(path):
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return EmbeddedBackend(path)


def open_elastic() -> ElasticBackend:
    return ElasticBackend(es_url(), ES_PREFIX, request_timeout=120, **es_client_options(os.environ))


def fill(backend, articles: list[Article]) -> float:
    """Seconds to upsert every article in batches of ``BATCH``; failures abort the benchmark."""
    start = time.perf_counter()
    for batch in batches(articles, BATCH):
        result = backend.upsert(batch)
        if result.failed:
            raise SystemExit(f"indexing failed for {len(result.failed)} article(s), e.g. {result.failed[0]}")
    return time.perf_counter() - start


def _elastic_stale(backend: ElasticBackend) -> bool:
    """Whether the index behind the read alias has another mapping or analyzer version than this code."""
    want = {"mapping_version": es_mapping.MAPPING_VERSION, "analyzer_version": es_mapping.ANALYZER_VERSION}
    for body in backend.es.indices.get_mapping(index=backend.alias).body.values():
        meta = body.get("mappings", {}).get("_meta", {})
        if {k: meta.get(k) for k in want} != want:
            return True
    return False


def ensure(backend, articles: list[Article]) -> None:
    """Reuse an index that already holds the corpus (from an earlier run) and was built by this
    code's analysis, else rebuild it: a stale index would measure the old analysis."""
    stale = isinstance(backend, ElasticBackend) and _elastic_stale(backend)
    if stale or backend.count() != len(articles):
        backend.clear()
        fill(backend, articles)


class Baseline:
    """SQLite FTS5 on raw words (unicode61, diacritics kept): what search is without Arabic analysis.

    Same AND-of-words query and the same title-weighted BM25 as the embedded backend, so the
    difference in the results is the analysis alone.
    """

    def __init__(self, articles: list[Article]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE fts USING fts5(url UNINDEXED, title, body, "
                        "tokenize = 'unicode61 remove_diacritics 0')")
        self.db.executemany("INSERT INTO fts VALUES (?,?,?)",
                            [(a["canonical_url"], a.get("title", ""), a.get("text", "")) for a in articles])

    def search(self, query: SearchQuery) -> list[str]:
        words = [w for w in self.db.execute("SELECT ?", (query.text,)).fetchone()[0].split() if w]
        expr = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
        if not expr:
            return []
        rows = self.db.execute("SELECT url FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 0, 10.0, 1.0) LIMIT ?",
                               (expr, query.per_page)).fetchall()
        return [r[0] for r in rows]
