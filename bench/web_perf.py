"""Search page server time at ~31k articles: p50/p95 over 100 queries (target: p95 ≤ 100 ms).

Indexes the SaudiNewsNet corpus (zip files of JSON arrays, read in place, never copied into the
repo) into a temporary embedded index, then requests the HTML search page — search, facets and
rendering — through the app in-process and reads the app's own ``Server-Timing`` header, so the
numbers are server time without client or network noise.

    python bench/web_perf.py [--queries 100]      # corpus: $AKHBAR_BENCH_CORPUS (bench/corpus.py)
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import corpus_dir, load_articles
from core.config import DataDir
from index.embedded import EmbeddedBackend

TARGET_P95_MS = 100.0
_WORD = re.compile(r"[\u0621-\u064a]{4,}")


def make_queries(titles: list[str], n: int, seed: int = 5) -> list[dict[str, str]]:
    """One- and two-word queries from real headlines, some with sort, source filter or page 2."""
    rng = random.Random(seed)
    words = [w for t in titles for w in _WORD.findall(t)]
    queries: list[dict[str, str]] = []
    while len(queries) < n:
        q = " ".join(rng.sample(words, rng.choice((1, 1, 2))))
        params = {"q": q}
        kind = len(queries) % 10
        if kind == 7:
            params["sort"] = "date"
        elif kind == 8:
            params["page"] = "2"
        elif kind == 9:
            params["source"] = "aawsat"
        queries.append(params)
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args(argv)

    from fastapi.testclient import TestClient

    from akhbar.web import create_app

    with tempfile.TemporaryDirectory(prefix="akhbar-webperf-") as tmp:
        data = DataDir(Path(tmp)).ensure()
        started = time.perf_counter()
        articles = load_articles()
        with EmbeddedBackend(data.index) as backend:
            for i in range(0, len(articles), 2000):
                backend.upsert(articles[i : i + 2000])
            count = backend.count()
        print(f"indexed {count} articles from {corpus_dir()} in {time.perf_counter() - started:.0f} s")
        queries = make_queries([a["title"] for a in articles], args.queries)
        del articles

        rows: dict[str, list[float]] = {"search page (HTML, with facets)": [], "/api/search (JSON, with facets)": []}
        hits: list[int] = []
        with TestClient(create_app(data), base_url="http://127.0.0.1") as client:
            for params in queries[:5]:  # warm-up: imports, template compilation, SQLite page cache
                client.get("/", params=params)
            for path, label in zip(("/", "/api/search"), rows, strict=True):
                for params in queries:
                    resp = client.get(path, params=params)
                    assert resp.status_code == 200, (params, resp.status_code)
                    rows[label].append(float(resp.headers["server-timing"].split("dur=")[1]))
                    if path == "/api/search":
                        hits.append(resp.json()["total"])

    print(f"{len(queries)} queries, median {statistics.median(hits):.0f} matching articles "
          f"(max {max(hits)}); server time from the app's Server-Timing header\n")
    print(f"| {'endpoint':34} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for label, times in rows.items():
        print(f"| {label:34} | {percentile(times, 50):7.1f} | {percentile(times, 95):7.1f} | {max(times):7.1f} |")
    p95 = percentile(rows["search page (HTML, with facets)"], 95)
    verdict = "PASS" if p95 <= TARGET_P95_MS else "FAIL"
    print(f"\nsearch page p95 {p95:.1f} ms, target ≤ {TARGET_P95_MS:.0f} ms: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
