"""Indexing throughput, search latency and memory on SaudiNewsNet, for both backends.

    python -m bench.search_perf [--skip-es] [--queries 100]

Each backend starts from an empty index, takes all 31,030 articles in upserts of 500 (the
embedded one into ``AKHBAR_BENCH_DIR``, Elasticsearch under the ``akhbar-bench`` prefix), then
answers typical two- and three-word queries as the search page asks them: 10 hits with snippets,
then the facets of the same query. One warm-up pass, then three measured passes, each with its own
100 queries (so no pass reuses a query plan cached by an earlier one). The first measured pass runs
while the engine is still merging the segments the bulk load left behind; the last one is the
steady state. Both are reported.
The corpus this process holds (millions of Python objects a search server would not have) is
frozen out of the garbage collector (``gc.freeze``) once loaded, so a full collection over it does
not land inside a measured search as a 70–90 ms outlier.
Peak memory: this Python process's max RSS for the embedded backend; the engine's JVM (heap size
and the process's peak RSS, read from /proc when it runs on this machine).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from pathlib import Path

from bench.corpus import load_articles
from bench.engines import fill, open_elastic, open_embedded
from bench.queries import latency_queries
from index.base import SearchQuery


def page(backend, text: str) -> None:
    """What one search page asks of a backend: the hits, then the facets."""
    query = SearchQuery(text=text)
    backend.search(query)
    backend.facets(query)


def latencies(backend, query_sets: list[list[str]]) -> list[list[float]]:
    """Milliseconds per page, one list per measured pass; the first set is the warm-up pass."""
    for q in query_sets[0]:  # warm-up: caches, JIT, page cache
        page(backend, q)
    out = []
    for queries in query_sets[1:]:
        run = []
        for q in queries:
            start = time.perf_counter()
            page(backend, q)
            run.append((time.perf_counter() - start) * 1000)
        out.append(run)
    return out


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def engine_memory(es) -> str:
    nodes = es.es.nodes.info(metric="process,jvm")["nodes"]
    node = next(iter(nodes.values()))
    heap = node["jvm"]["mem"]["heap_max_in_bytes"] / 2**20
    pid = node["process"]["id"]
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        return f"JVM heap {heap:.0f} MiB, peak RSS {int(fields['VmHWM'].split()[0]) / 1024:.0f} MiB"
    return f"JVM heap {heap:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-es", action="store_true")
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args(argv)

    articles = load_articles()
    gc.freeze()
    query_sets = [latency_queries(articles, args.queries, seed=seed) for seed in (1, 7, 8, 9)]
    queries = query_sets[1]
    load_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = []

    embedded = open_embedded(fresh=True)
    seconds = fill(embedded, articles)
    lat = latencies(embedded, query_sets)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("embedded", seconds, lat, f"Python peak RSS {rss:.0f} MiB (corpus in memory: {load_rss:.0f} MiB)"))
    embedded.close()

    if not args.skip_es:
        es = open_elastic()
        es.clear()
        seconds = fill(es, articles)
        assert es.count() == len(articles)
        lat = latencies(es, query_sets)
        rows.append(("elasticsearch", seconds, lat, engine_memory(es)))
        es.close()

    print(f"{len(articles)} articles, {len(queries)} queries (e.g. «{queries[0]}»)\n")
    print("| backend | index time | docs/s | page p50 / p95 ms, first pass | page p50 / p95 ms, steady | memory |")
    print("|---|---:|---:|---:|---:|---|")
    for name, seconds, lat, mem in rows:
        first, last = lat[0], lat[-1]
        print(f"| {name} | {seconds:.1f} s | {len(articles) / seconds:,.0f} | {pct(first, 50):.1f} / "
              f"{pct(first, 95):.1f} | {pct(last, 50):.1f} / {pct(last, 95):.1f} | {mem} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
