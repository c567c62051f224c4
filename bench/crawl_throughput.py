"""Crawl and reindex throughput against bare Scrapy + trafilatura, and memory as a crawl grows.

    python -m bench.crawl_throughput [--articles 2000] [--concurrency 16] [--repeat 3] [--rss 1000,10000]

A local news site on 127.0.0.1 serves ``--articles`` SaudiNewsNet articles in a WordPress-like
template of this benchmark's own (header, menu, sidebar, comments box, footer) with a sitemap.
Then, at the same concurrency per domain, no download delay and no AutoThrottle:

- **bare floor**: a Scrapy ``SitemapSpider`` whose callback is ``trafilatura.extract`` and nothing
  else (no archive, no index);
- **akhbar, in process**: ``akhbar crawl`` (fetch, WARC + CDXJ, extraction, indexing) with
  ``AKHBAR_EXTRACT_WORKERS=0``;
- **akhbar, workers**: the same with the default worker pool (one per core).

Then, over the WARC records the last crawl wrote:

- **bare reindex floor**: warcio's ``ArchiveIterator`` and ``trafilatura.extract`` on each article
  response, in one process (nothing else: no profile, no cleanup, no index);
- **akhbar reindex**, extraction in process (``--workers 0``) and in the worker pool.

And with ``--rss``, the crawl with workers at each of those sizes, for how peak memory grows.

Each runs in its own process (the site server shares the machine); the tables give wall time,
articles/s, the ratio to the floor, the peak RSS of the main process and of its whole process tree
(the extraction workers and forkserver included: the peak of their sum, sampled every 0.2 s).
With ``--repeat N`` every run of the first two tables is made N times, the runs of one round one
after another (so a machine that slows down slows them all), and a row gives the median time with
the fastest and slowest in brackets, the ratios of medians and the highest peak memory: one run on
a shared virtual machine wanders by ±5 %, as much as a change worth measuring.
Nothing here is a test: run it, read the tables.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.corpus import load_articles

_PAGE = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title} – أخبار المنصة</title>
<meta property="article:published_time" content="{date}"><link rel="canonical" href="{url}"></head>
<body class="post-template"><header class="site-header"><a href="/">أخبار المنصة</a><nav class="menu">
<a href="/c/local">محليات</a> <a href="/c/economy">اقتصاد</a> <a href="/c/sport">رياضة</a></nav></header>
<main><article class="post"><h1 class="entry-title">{title}</h1><div class="entry-meta">
<time datetime="{date}">{date}</time></div><div class="entry-content">{body}</div></article>
<div class="comments"><h3>أضف تعليقاً</h3><form><textarea></textarea></form></div></main>
<aside class="sidebar"><h3>الأكثر قراءة</h3><ul>{related}</ul></aside>
<footer class="site-footer">جميع الحقوق محفوظة © أخبار المنصة</footer></body></html>"""


class _Server(ThreadingHTTPServer):
    """``socketserver``'s listen backlog is 5: with 16 connections opening at once the kernel drops
    the rest of the SYNs and each retries a second later, a stall real web servers do not have (and
    one that cost both crawlers here the same second)."""

    request_queue_size = 128
    daemon_threads = True


class Site:
    """The articles on 127.0.0.1: ``/a/N/`` pages and ``/sitemap.xml`` listing them all; a path in
    ``redirects`` answers 301 to its target (``bench.history_liveness`` edits the site)."""

    def __init__(self, articles: list[dict], story_line: str = "") -> None:
        self.pages: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        titles = [a.get("title") or "" for a in articles]
        for n, art in enumerate(articles):
            url = f"{self.base}/a/{n}/"
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in (art.get("text") or "").split("\n") if p.strip())
            if story_line:  # the same line in every story, as many sites have: learned as boilerplate
                paras += f"<p>{html.escape(story_line)}</p>"
            related = "".join(f'<li><a href="/a/{m}/">{html.escape(titles[m])}</a></li>'
                              for m in ((n + k) % len(articles) for k in (1, 2, 3)))
            self.pages[f"/a/{n}/"] = _PAGE.format(title=html.escape(art.get("title") or ""), url=url, body=paras,
                                                  date=(art.get("published") or "2015-07-21T10:00:00+03:00"),
                                                  related=related).encode()
        urls = "".join(f"<url><loc>{self.base}{p}</loc></url>" for p in self.pages)
        self.pages["/sitemap.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()
        self.pages["/robots.txt"] = f"User-agent: *\nAllow: /\nSitemap: {self.base}/sitemap.xml\n".encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path in site.redirects:
                    self.send_response(301)
                    self.send_header("Location", site.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = site.pages.get(self.path)
                ctype = "application/xml" if self.path.endswith(".xml") else "text/plain" \
                    if self.path.endswith(".txt") else "text/html; charset=utf-8"
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        return Handler

    def __enter__(self) -> Site:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


_BARE = textwrap.dedent('''
    import sys
    import trafilatura
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiders import SitemapSpider

    class Bare(SitemapSpider):
        name = "bare"
        sitemap_urls = [sys.argv[1] + "/sitemap.xml"]
        extracted = 0

        def parse(self, response):
            if trafilatura.extract(response.text):
                Bare.extracted += 1

    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "AUTOTHROTTLE_ENABLED": False,
                              "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 32,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[2]), "TELNETCONSOLE_ENABLED": False})
    process.crawl(Bare)
    process.start()
    print(Bare.extracted)
''')


_BARE_REINDEX = textwrap.dedent('''
    import sys
    from pathlib import Path
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    extracted = 0
    for path in sorted(Path(sys.argv[1]).glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or "/a/" not in record.rec_headers.get_header("WARC-Target-URI"):
                    continue
                body = record.content_stream().read()
                if trafilatura.extract(body.decode("utf-8", "replace")):
                    extracted += 1
    print(extracted)
''')


@dataclass
class Run:
    label: str
    seconds: float
    count: int
    rss: float  # MiB, the main process's peak
    tree_rss: float  # MiB, the peak of the PSS summed over the process and its descendants
    spread: tuple[float, float] | None = None  # fastest and slowest time, when this is the median of runs


def _median(runs: list[Run]) -> Run:
    """One row for repeated runs: the median time (the lower middle for an even count), the
    highest peak memory, the count the median run found."""
    ordered = sorted(runs, key=lambda r: r.seconds)
    mid = ordered[(len(ordered) - 1) // 2]
    spread = (ordered[0].seconds, ordered[-1].seconds) if len(runs) > 1 else None
    return Run(mid.label, mid.seconds, mid.count, max(r.rss for r in runs), max(r.tree_rss for r in runs), spread)


def _tree(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _rss_mib(pid: int, field: str = "VmRSS:", source: str = "status") -> float:
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(seconds, peak RSS of the process, peak memory of its process tree, its stdout), in MiB. The
    process's own peak is the kernel's high-water mark (``VmHWM``); the tree's is the sampled peak of
    the sum of each process's PSS (shared pages divided among the processes sharing them)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak, tree_peak = [0.0], [0.0]

    def watch() -> None:
        # Sampling costs CPU the measured run shares: the tree is listed once a second, its memory
        # read every 0.2 s (what the workers hold is steady; the high-water mark is the kernel's).
        tree, listed = [proc.pid], 0.0
        while proc.poll() is None:
            if time.monotonic() - listed > 1.0:
                tree, listed = _tree(proc.pid), time.monotonic()
            peak[0] = max(peak[0], _rss_mib(proc.pid, "VmHWM:"))
            # proportional set size: pages the forked workers share with the forkserver count once
            tree_peak[0] = max(tree_peak[0], sum(_rss_mib(p, "Pss:", "smaps_rollup") for p in tree))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    watcher.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… exited {proc.returncode}")
    return seconds, peak[0], max(tree_peak[0], peak[0]), out


def _profile(profiles: Path, site: Site) -> None:
    profiles.mkdir(exist_ok=True)
    (profiles / "bench.toml").write_text(textwrap.dedent(f'''
        id = "bench-site"
        name_ar = "أخبار المنصة"
        name_en = "Benchmark site"
        country = "SA"
        timezone = "Asia/Riyadh"
        verified = true
        base_url = "{site.base}"
        allowed_domains = ["127.0.0.1"]
        sitemaps = ["{site.base}/sitemap.xml"]
        article_patterns = ['^http://127\\.0\\.0\\.1:[0-9]+/a/[0-9]+/$']
    '''), encoding="utf-8")


def _indexed(akhbar: str, env: dict[str, str]) -> int:
    out = subprocess.run([akhbar, "search", "--json", "--limit", "1", ""], env=env, capture_output=True, text=True,
                         check=False).stdout
    return int(json.loads(out)["total"]) if out.strip().startswith("{") else 0


def _crawl(akhbar: str, env: dict[str, str], data: Path, concurrency: int, workers: str, label: str) -> Run:
    run_env = {**env, "AKHBAR_DATA": str(data)}
    cmd = [akhbar, "crawl", "bench-site", "--no-progress",
           "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "CONCURRENT_REQUESTS=32",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]
    if workers:
        cmd += ["-s", f"AKHBAR_EXTRACT_WORKERS={workers}"]
    seconds, rss, tree, _ = _measured(cmd, run_env)
    return Run(label, seconds, _indexed(akhbar, run_env), rss, tree)


def _table(title: str, rows: list[Run], floor: float, what: str = "articles") -> None:
    print(f"\n{title}\n")
    print(f"| run | time | {what} | {what}/s | × the floor's time | peak RSS | with workers |\n"
          "|---|---:|---:|---:|---:|---:|---:|")  # "with workers": PSS of the whole process tree
    for r in rows:
        spread = f" ({r.spread[0]:.1f}–{r.spread[1]:.1f})" if r.spread else ""
        print(f"| {r.label} | {r.seconds:.1f} s{spread} | {r.count:,} | {r.count / r.seconds:,.0f} | "
              f"{r.seconds / floor:.2f} | {r.rss:.0f} MiB | {r.tree_rss:.0f} MiB |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight per domain, for both")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each crawl and reindex; the tables give medians")
    ap.add_argument("--rss", default="", help="comma-separated crawl sizes for the memory table, e.g. 1000,10000")
    ap.add_argument("--story-line", default="", help="a line to put at the end of every story (a template line "
                    "the extractor keeps, which akhbar learns as the site's boilerplate)")
    args = ap.parse_args(argv)
    sizes = [int(n) for n in args.rss.split(",") if n.strip()]
    corpus = [a for a in load_articles() if (a.get("text") or "").strip()]
    articles = corpus[: args.articles]
    akhbar = str(Path(sys.executable).with_name("akhbar"))
    rounds = max(1, args.repeat)
    crawls: list[list[Run]] = [[], [], []]
    reindexes: list[list[Run]] = [[], [], []]
    with Site(articles, args.story_line) as site, tempfile.TemporaryDirectory(prefix="akhbar-throughput-") as tmp:
        _profile(Path(tmp) / "profiles", site)
        env = {**os.environ, "AKHBAR_SOURCES": str(Path(tmp) / "profiles")}
        env.pop("AKHBAR_EXTRACT_WORKERS", None)
        data = Path(tmp) / "data-pool"
        for n in range(rounds):
            for stale in Path(tmp).glob("data-*"):  # each crawl starts from an empty data directory
                shutil.rmtree(stale)
            seconds, rss, tree, out = _measured([sys.executable, "-c", _BARE, site.base, str(args.concurrency)], env)
            crawls[0].append(Run("bare Scrapy SitemapSpider + trafilatura.extract", seconds, int(out.strip() or 0),
                                 rss, tree))
            crawls[1].append(_crawl(akhbar, env, Path(tmp) / "data-0", args.concurrency, "0",
                                    "akhbar crawl, extraction in process"))
            crawls[2].append(_crawl(akhbar, env, data, args.concurrency, "", "akhbar crawl, extraction workers"))
            print(f"round {n + 1} of {rounds}: crawls done", file=sys.stderr)

        for _ in range(rounds):  # over the WARC records the last crawl wrote
            seconds, rss, tree, out = _measured([sys.executable, "-c", _BARE_REINDEX, str(data / "warc")], env)
            reindexes[0].append(Run("bare: warcio + trafilatura.extract, one process", seconds,
                                    int(out.strip() or 0), rss, tree))
            for row, (label, workers) in enumerate((("akhbar reindex --workers 0", "0"),
                                                    ("akhbar reindex (workers)", "")), start=1):
                cmd = [akhbar, "--data", str(data), "reindex", *(["--workers", workers] if workers else [])]
                seconds, rss, tree, _ = _measured(cmd, env)
                reindexes[row].append(Run(label, seconds, _indexed(akhbar, {**env, "AKHBAR_DATA": str(data)}),
                                          rss, tree))

    growth: list[Run] = []
    for size in sizes:
        with Site(corpus[:size]) as site, tempfile.TemporaryDirectory(prefix="akhbar-rss-") as tmp:
            _profile(Path(tmp) / "profiles", site)
            env = {**os.environ, "AKHBAR_SOURCES": str(Path(tmp) / "profiles")}
            env.pop("AKHBAR_EXTRACT_WORKERS", None)
            growth.append(_crawl(akhbar, env, Path(tmp) / "data", args.concurrency, "", f"{size:,} articles"))

    repeated = f"; median of {rounds} runs each (fastest–slowest)" if rounds > 1 else ""
    print(f"{len(articles):,} articles on 127.0.0.1, {args.concurrency} requests per domain, no delay, "
          f"no AutoThrottle; {os.cpu_count()} cores{repeated}")
    crawl_rows, reindex_rows = [_median(runs) for runs in crawls], [_median(runs) for runs in reindexes]
    _table("Crawl (fetch, WARC + CDXJ, extraction, index)", crawl_rows, crawl_rows[0].seconds)
    _table("Reindex of the same WARC records", reindex_rows, reindex_rows[0].seconds, "articles")
    rate = (reindex_rows[-1].count / reindex_rows[-1].seconds) / (reindex_rows[0].count / reindex_rows[0].seconds)
    print(f"\nreindex rate: {rate:.2f}× the bare single-process rate")
    if growth:
        _table("Crawl memory as the crawl grows (extraction workers)", growth, growth[0].seconds)
        first, last = growth[0], growth[-1]
        main_growth, tree_growth = (last.rss / first.rss - 1) * 100, (last.tree_rss / first.tree_rss - 1) * 100
        print(f"\npeak memory from {first.count:,} to {last.count:,} articles: main process {main_growth:+.0f} %, "
              f"with workers {tree_growth:+.0f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
