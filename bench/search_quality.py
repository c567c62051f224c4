"""Search quality on SaudiNewsNet: known-item queries with Arabic inflection and spelling changes.

    python -m bench.search_quality [--queries 1000] [--skip-es] [--rebuild]

Prints MRR@10 and recall@10 for the embedded backend, Elasticsearch (``AKHBAR_ES_URL``) and a
no-analysis baseline, then the same per kind of change. Indexes are kept in ``AKHBAR_BENCH_DIR`` and
under the ``akhbar-bench`` prefix and reused when they already hold the whole corpus.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from bench.corpus import load_articles
from bench.engines import Baseline, ensure, open_elastic, open_embedded
from bench.queries import KnownItem, known_items
from index.base import SearchQuery

K = 10


def evaluate(search, items: list[KnownItem]) -> list[float]:
    """Reciprocal rank of the target in the top ``K`` for each query (0 when absent)."""
    out = []
    for item in items:
        ranked = search(SearchQuery(text=item.query, per_page=K))
        out.append(1.0 / (ranked.index(item.target) + 1) if item.target in ranked else 0.0)
    return out


def backend_search(backend):
    return lambda q: [h.article["canonical_url"] for h in backend.search(q).hits]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--skip-es", action="store_true", help="embedded and baseline only")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the indexes even if present")
    ap.add_argument("--show-misses", type=int, default=0, help="print this many misses per system")
    args = ap.parse_args(argv)

    articles = load_articles()
    items = known_items(articles, args.queries)
    print(f"{len(articles)} articles, {len(items)} known-item queries, e.g. «{items[0].query}» "
          f"for «{items[0].title}» ({', '.join(items[0].changes)})\n")

    systems = {}
    embedded = open_embedded(fresh=args.rebuild)
    ensure(embedded, articles)
    systems["embedded (FTS5 + index.analysis)"] = backend_search(embedded)
    if not args.skip_es:
        es = open_elastic()
        if args.rebuild:
            es.clear()
        ensure(es, articles)
        systems["elasticsearch (akhbar_arabic)"] = backend_search(es)
    baseline = Baseline(articles)
    systems["baseline (FTS5, raw words)"] = baseline.search

    results = {name: evaluate(fn, items) for name, fn in systems.items()}
    print(f"| system | MRR@{K} | recall@{K} |\n|---|---:|---:|")
    for name, rr in results.items():
        print(f"| {name} | {sum(rr) / len(rr):.3f} | {sum(1 for r in rr if r) / len(rr):.3f} |")

    print(f"\nMRR@{K} by kind of change (a query can have several):\n")
    names = list(results)
    print("| change | queries | " + " | ".join(n.split(" (")[0] for n in names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    by_change: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        for change in set(item.changes) or {"none"}:
            by_change[change].append(i)
    for change, idx in sorted(by_change.items(), key=lambda kv: -len(kv[1])):
        cells = [f"{sum(results[n][i] for i in idx) / len(idx):.3f}" for n in names]
        print(f"| {change} | {len(idx)} | " + " | ".join(cells) + " |")
    if args.show_misses:
        for name, rr in results.items():
            misses = [items[i] for i, r in enumerate(rr) if r == 0][: args.show_misses]
            print(f"\n{name}: misses")
            for m in misses:
                print(f"  «{m.query}» ← «{m.title}» {m.changes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
