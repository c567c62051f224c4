"""``akhbar check-live`` over a crawled site, and history lookups at the corpus's full size.

    python -m bench.history_liveness [--articles 2000] [--lookups 1000] [--concurrency 16]

**check-live.** ``bench.crawl_throughput``'s local site serves ``--articles`` SaudiNewsNet articles;
``akhbar crawl`` archives them; then the site changes as news sites do — 5 % of the articles edited
(a sentence added), 3 % removed (404), 1 % moved (301 to a new path) — and two runs re-request
every archived article at the same concurrency, no download delay and no AutoThrottle:

- **bare floor**: a Scrapy spider that requests the same URLs (redirects not followed) and does
  nothing with the answers;
- **akhbar check-live**: the same requests, conditional where the archive has validators, every
  answer archived, classified, edited pages extracted and indexed as new versions, and what became
  of each page recorded in the index.

**history lookups.** An embedded index of all 31,030 articles, 10 % of them edited once (two
versions) and 3 % removed, with their captures in CDXJ files of 1,000 URLs each (32) (the size of a
day's WARC files); then ``--lookups`` random articles are looked up the way ``/api/history`` and
``akhbar history`` do (the stored record, its captures in every CDXJ file, the standing read from
them), against the baseline of the stored record alone.

Each crawl runs in its own process; the lookups run here, after a warm-up. Nothing is a test: run
it, read the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from akhbar.history import history
from bench.corpus import load_articles
from bench.crawl_throughput import Site, _measured, _profile
from bench.search_perf import pct
from core.archive import url_key
from core.config import DataDir
from index.embedded import EmbeddedBackend

ADDED = "وأضاف مصدر مطلع أن الاجتماع المقبل سيعقد الأسبوع القادم."

_BARE = textwrap.dedent('''
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Again(scrapy.Spider):
        name = "again"
        answered = 0

        async def start(self):
            for url in json.load(open(sys.argv[1])):
                yield scrapy.Request(url, meta={"dont_redirect": True, "handle_httpstatus_all": True},
                                     dont_filter=True)

        def parse(self, response):
            Again.answered += 1

    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "AUTOTHROTTLE_ENABLED": False,
                              "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 32,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[2]), "TELNETCONSOLE_ENABLED": False})
    process.crawl(Again)
    process.start()
    print(Again.answered)
''')


def _settings(concurrency: int) -> list[str]:
    return ["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "CONCURRENT_REQUESTS=32",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]


def _edit(site: Site, n: int, rng: random.Random) -> dict[str, int]:
    """Edit, remove and move articles of the site as news sites do; returns how many of each."""
    paths = [f"/a/{i}/" for i in range(n)]
    rng.shuffle(paths)
    edited, removed, moved = paths[: n * 5 // 100], paths[n * 5 // 100: n * 8 // 100], paths[n * 8 // 100: n * 9 // 100]
    for path in edited:
        site.pages[path] = site.pages[path].replace(b"</div></article>", f"<p>{ADDED}</p></div></article>".encode())
    for path in removed:
        del site.pages[path]
    for path in moved:
        site.redirects[path] = site.base + path.replace("/a/", "/moved/")
    return {"edited": len(edited), "removed": len(removed), "moved": len(moved)}


def check_live(articles: list[dict], concurrency: int) -> None:
    akhbar = str(Path(sys.executable).with_name("akhbar"))
    with Site(articles) as site, tempfile.TemporaryDirectory(prefix="akhbar-liveness-") as tmp:
        _profile(Path(tmp) / "profiles", site)
        data = Path(tmp) / "data"
        env = {**os.environ, "AKHBAR_SOURCES": str(Path(tmp) / "profiles"), "AKHBAR_DATA": str(data)}
        crawl_s, *_ = _measured([akhbar, "crawl", "bench-site", "--no-progress", *_settings(concurrency)], env)
        changes = _edit(site, len(articles), random.Random(5))
        urls = [f"{site.base}/a/{i}/" for i in range(len(articles))]
        (Path(tmp) / "urls.json").write_text(json.dumps(urls))
        bare_s, _, _, out = _measured([sys.executable, "-c", _BARE, str(Path(tmp) / "urls.json"), str(concurrency)],
                                      env)
        live_s, rss, tree, _ = _measured([akhbar, "check-live", "bench-site", "--no-progress", "--limit",
                                          str(len(articles)), *_settings(concurrency)], env)
        report = json.loads(sorted((data / "state" / "reports").glob("crawl-*.json"))[-1].read_text())[0]
        counts = report["liveness"]
        gone = subprocess.run([akhbar, "search", "", "--status", "gone", "--json", "--limit", "1"], env=env,
                              capture_output=True, text=True, check=True).stdout
    print(f"{len(articles):,} archived articles on 127.0.0.1 (crawled in {crawl_s:.1f} s); then "
          f"{changes['edited']} edited, {changes['removed']} removed (404), {changes['moved']} moved (301); "
          f"{concurrency} requests per domain, no delay, no AutoThrottle; {os.cpu_count()} cores\n")
    print("| run | time | requests | requests/s | × the floor's time | peak RSS | with workers |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    answered = int(out.strip() or 0)
    print(f"| bare Scrapy re-request, nothing kept | {bare_s:.1f} s | {answered:,} | {answered / bare_s:,.0f} | 1.00 "
          f"| | |")
    checked = counts.get("checked", 0)
    print(f"| akhbar check-live | {live_s:.1f} s | {checked:,} | {checked / live_s:,.0f} | {live_s / bare_s:.2f} | "
          f"{rss:.0f} MiB | {tree:.0f} MiB |")
    found = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("unchanged", "changed", "gone", "redirected", "blocked",
                                                          "error", "recorded"))
    print(f"\ncheck-live found: {found}; `akhbar search --status gone` total: {json.loads(gone)['total']}")


def _captures(articles: list[dict], edited: set[str], removed: set[str], cdx: Path) -> int:
    """CDXJ lines for every article — its first capture, a second for edited and removed ones — in
    files of ~1,000 URLs, each sorted as the crawl writes them."""
    cdx.mkdir(parents=True, exist_ok=True)
    lines = 0
    for f, start in enumerate(range(0, len(articles), 1000)):
        rows = []
        for n, art in enumerate(articles[start:start + 1000]):
            url = art["url"]
            hhmmss = f"{n // 60:02d}{n % 60:02d}00"
            stamps = [(f"20240101{hhmmss}", "200")]
            if url in edited:
                stamps.append((f"20240301{hhmmss}", "200"))
            if url in removed:
                stamps.append((f"20240401{hhmmss}", "404"))
            for ts, status in stamps:
                rows.append(f"{url_key(url)} {ts} " + json.dumps(
                    {"url": url, "mime": "text/html", "status": status, "digest": "sha1:X", "length": 900,
                     "offset": n * 1000, "filename": f"bench-{f:05d}.warc.gz"}))
        rows.sort()
        (cdx / f"bench-{f:05d}.cdxj").write_text("\n".join(rows) + "\n", encoding="utf-8")
        lines += len(rows)
    return lines


def lookups(count: int) -> None:
    articles = load_articles()
    rng = random.Random(9)
    urls = [a["url"] for a in articles]
    edited = set(rng.sample(urls, len(urls) // 10))
    removed = set(rng.sample([u for u in urls if u not in edited], len(urls) * 3 // 100))
    with tempfile.TemporaryDirectory(prefix="akhbar-history-") as tmp:
        data = DataDir(Path(tmp)).ensure()
        backend = EmbeddedBackend(data.index)
        start = time.perf_counter()
        for i in range(0, len(articles), 500):
            backend.upsert(articles[i:i + 500])
        changed = [{**a, "text": a["text"] + "\n" + ADDED, "content_hash": "", "fetched": "2024-03-01T00:00:00Z"}
                   for a in articles if a["url"] in edited]
        for i in range(0, len(changed), 500):
            backend.upsert(changed[i:i + 500])
        fill_s = time.perf_counter() - start
        lines = _captures(articles, edited, removed, data.cdx)
        sample = rng.sample(urls, count)
        for url in sample[:100]:  # warm-up: page cache, statement cache
            history(url, data, backend.get(url))
        base, full, statuses = [], [], {}
        for url in sample:
            t0 = time.perf_counter()
            article = backend.get(url)
            t1 = time.perf_counter()
            shape = history(url, data, article)
            t2 = time.perf_counter()
            base.append((t1 - t0) * 1000)
            full.append((t2 - t0) * 1000)
            statuses[shape["status"]] = statuses.get(shape["status"], 0) + 1
        backend.close()
    print(f"\n{len(articles):,} articles in the embedded index (filled in {fill_s:.0f} s; {len(edited):,} with two "
          f"versions, {len(removed):,} removed), {lines:,} captures in {len(list(range(0, len(articles), 1000)))} "
          f"CDXJ files; {count:,} random lookups\n")
    print("| lookup | p50 | p95 | max |")
    print("|---|---:|---:|---:|")
    for label, values in (("stored record alone (`backend.get`)", base),
                          ("history: record + captures + standing (`/api/history`)", full)):
        print(f"| {label} | {pct(values, 50):.2f} ms | {pct(values, 95):.2f} ms | {max(values):.2f} ms |")
    print("\nstatuses seen: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--lookups", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight per domain, for both")
    ap.add_argument("--skip-lookups", action="store_true")
    ap.add_argument("--skip-check-live", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_check_live:
        corpus = [a for a in load_articles() if (a.get("text") or "").strip()]
        check_live(corpus[: args.articles], args.concurrency)
    if not args.skip_lookups:
        lookups(args.lookups)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
