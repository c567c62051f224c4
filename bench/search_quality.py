"""Search quality on SaudiNewsNet: six query classes, three systems, one run.

    python -m bench.search_quality [--queries 200] [--seed 20150721] [--classes known-item,topical]
                                   [--skip-es] [--rebuild] [--show-misses 5] [--by-change] [--raw-baseline]

Systems: the embedded backend and the Elasticsearch backend (``AKHBAR_ES_URL``), both through
``backend.search(SearchQuery(text=..., per_page=10))``, and stock Elasticsearch (``bench.stock``:
the built-in ``arabic`` analyzer and a plain ``multi_match``), the simplest thing a user could do
instead. ``--raw-baseline`` adds FTS5 on raw words (no analysis at all). ``--skip-es`` measures
the embedded backend alone.

Query classes (``bench.query_classes``): ``--queries`` per generated class (default 200) and all
40 topics. For each class and system: MRR@10, recall@10, nDCG@10 and the number of queries with
no hit at all; then the same averaged over the classes (each class weighs the same). Indexes
live in ``AKHBAR_BENCH_DIR`` and under the ``akhbar-bench`` prefix and are reused when they already
hold the whole corpus; ``--rebuild`` forces fresh ones (do it after changing the analysis: the
reuse test only counts documents).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable

from bench.corpus import load_articles
from bench.engines import Baseline, ensure, open_elastic, open_embedded
from bench.metrics import K, Scores, score
from bench.query_classes import CLASSES, Corpus, Query, generate
from bench.stock import StockElastic
from index.base import SearchQuery

Search = Callable[[SearchQuery], list[str]]
DEFAULT_SEED = 20150721
SYSTEMS_DOC = {
    "embedded": "Akhbar embedded backend (SQLite FTS5 + index.analysis)",
    "elasticsearch": "Akhbar Elasticsearch backend (its own analyzer and query builder)",
    "stock-es": "stock Elasticsearch: built-in `arabic` analyzer, multi_match best_fields OR on title^3, text",
    "raw-fts5": "FTS5 on raw words, AND of words: no analysis",
}


def backend_search(backend) -> Search:
    return lambda q: [h.article["canonical_url"] for h in backend.search(q).hits]


def open_systems(args: argparse.Namespace, articles) -> dict[str, Search]:
    systems: dict[str, Search] = {}
    embedded = open_embedded(fresh=args.rebuild)
    ensure(embedded, articles)
    systems["embedded"] = backend_search(embedded)
    if not args.skip_es:
        es = open_elastic()
        if args.rebuild:
            es.clear()
        ensure(es, articles)
        systems["elasticsearch"] = backend_search(es)
        stock = StockElastic()
        stock.ensure(articles, rebuild=args.rebuild)
        systems["stock-es"] = stock.search
    if args.raw_baseline:
        systems["raw-fts5"] = Baseline(articles).search
    return systems


def run(search: Search, queries: list[Query]) -> list[Scores]:
    return [score(search(SearchQuery(text=q.text, per_page=K)), q.grades) for q in queries]


def _row(name: str, scores: list[Scores]) -> str:
    n = len(scores) or 1
    return (f"| {name} | {sum(s.rr for s in scores) / n:.3f} | {sum(s.recall for s in scores) / n:.3f} | "
            f"{sum(s.ndcg for s in scores) / n:.3f} | {sum(s.empty for s in scores)} |")


_HEADER = f"| system | MRR@{K} | recall@{K} | nDCG@{K} | zero-result |\n|---|---:|---:|---:|---:|"


def print_class(name: str, queries: list[Query], results: dict[str, list[Scores]]) -> None:
    q = queries[0]
    print(f"### {name} ({len(queries)} queries)\n")
    changes = f" ({', '.join(q.changes)})" if q.changes else ""
    print(f"e.g. «{q.text}» for «{q.about}»{changes}\n")
    print(_HEADER)
    for system, scores in results.items():
        print(_row(system, scores))
    if name == "topical":
        print(f"\n(topical: graded judgments, nDCG is the measure; MRR and recall count grade ≥ 1 as relevant, "
              f"recall@{K} = relevant in top {K} / min({K}, relevant))")
    print()


def print_overall(per_class: dict[str, dict[str, list[Scores]]], systems: list[str]) -> None:
    """Macro averages (each class weighs the same) and the zero-result total; then nDCG by class."""
    print(f"### overall (mean over {len(per_class)} classes)\n")
    print(_HEADER)
    for system in systems:
        means = [[sum(getattr(s, m) for s in res[system]) / len(res[system]) for m in ("rr", "recall", "ndcg")]
                 for res in per_class.values() if res[system]]
        cells = [sum(col) / len(col) for col in zip(*means, strict=True)]
        empty = sum(s.empty for res in per_class.values() for s in res[system])
        print(f"| {system} | " + " | ".join(f"{c:.3f}" for c in cells) + f" | {empty} |")
    print(f"\nnDCG@{K} by class:\n")
    print("| class | queries | " + " | ".join(systems) + " |\n|---|---:|" + "---:|" * len(systems))
    for name, res in per_class.items():
        n = len(next(iter(res.values())))
        cells = [f"{sum(s.ndcg for s in res[sy]) / max(1, len(res[sy])):.3f}" for sy in systems]
        print(f"| {name} | {n} | " + " | ".join(cells) + " |")
    print()


def print_by_change(name: str, queries: list[Query], results: dict[str, list[Scores]]) -> None:
    by_change: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(queries):
        for change in {c.split(":")[0] for c in q.changes} or {"none"}:
            by_change[change].append(i)
    print(f"MRR@{K} by kind of change in {name} (a query can have several):\n")
    print("| change | queries | " + " | ".join(results) + " |\n|---|---:|" + "---:|" * len(results))
    for change, idx in sorted(by_change.items(), key=lambda kv: -len(kv[1])):
        cells = [f"{sum(results[s][i].rr for i in idx) / len(idx):.3f}" for s in results]
        print(f"| {change} | {len(idx)} | " + " | ".join(cells) + " |")
    print()


def print_misses(name: str, queries: list[Query], results: dict[str, list[Scores]], limit: int) -> None:
    """Known items the system did not find in the top K; for topics, the lowest nDCG."""
    for system, scores in results.items():
        if name == "topical":
            worst = sorted(range(len(scores)), key=lambda i: scores[i].ndcg)[:limit]
            print(f"{name} / {system}: lowest nDCG@{K}")
            for i in worst:
                print(f"  «{queries[i].text}» {scores[i].ndcg:.3f} ({len(queries[i].grades)} judged relevant)")
            continue
        misses = [queries[i] for i, s in enumerate(scores) if s.rr == 0][:limit]
        print(f"{name} / {system}: {sum(1 for s in scores if s.rr == 0)} misses, e.g.")
        for m in misses:
            print(f"  «{m.text}» ← «{m.about}» {m.changes}")
    print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=200, help="queries per generated class")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="another seed, another query set")
    ap.add_argument("--classes", default=",".join(CLASSES), help=f"comma-separated, of: {', '.join(CLASSES)}")
    ap.add_argument("--skip-es", action="store_true", help="the embedded backend only")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the indexes even if present")
    ap.add_argument("--show-misses", type=int, default=0, help="print this many misses per class and system")
    ap.add_argument("--by-change", action="store_true", help="MRR per kind of change in each class")
    ap.add_argument("--raw-baseline", action="store_true", help="also FTS5 on raw words (no analysis)")
    args = ap.parse_args(argv)
    args.class_list = [c.strip() for c in args.classes.split(",") if c.strip()]
    unknown = [c for c in args.class_list if c not in CLASSES]
    if unknown or not args.class_list:
        ap.error(f"unknown class(es) {', '.join(unknown) or '(none given)'}; choose from {', '.join(CLASSES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    articles = load_articles()
    corpus = Corpus(articles)
    queries = generate(corpus, args.class_list, args.queries, args.seed)
    print(f"{len(articles)} articles; seed {args.seed}; "
          + ", ".join(f"{name} {len(qs)}" for name, qs in queries.items())
          + f" queries (generated in {time.perf_counter() - start:.0f} s)\n")
    systems = open_systems(args, articles)
    print("Systems:\n" + "\n".join(f"- {s}: {SYSTEMS_DOC[s]}" for s in systems) + "\n")

    per_class: dict[str, dict[str, list[Scores]]] = {name: {} for name in queries}
    for system, search in systems.items():
        t = time.perf_counter()
        for name, qs in queries.items():
            per_class[name][system] = run(search, qs)
        print(f"{system}: {sum(len(q) for q in queries.values())} queries in {time.perf_counter() - t:.1f} s")
    print()
    for name, qs in queries.items():
        if qs:
            print_class(name, qs, per_class[name])
            if args.by_change and name != "topical":
                print_by_change(name, qs, per_class[name])
            if args.show_misses:
                print_misses(name, qs, per_class[name], args.show_misses)
    print_overall({n: r for n, r in per_class.items() if queries[n]}, list(systems))
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
