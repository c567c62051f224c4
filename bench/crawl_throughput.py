"""Crawl throughput: `akhbar crawl` against the floor of bare Scrapy + trafilatura, in one run.

    python -m bench.crawl_throughput [--articles 2000] [--concurrency 16]

A local news site on 127.0.0.1 serves ``--articles`` SaudiNewsNet articles in a WordPress-like
template of this benchmark's own (header, menu, sidebar, comments box, footer) with a sitemap.
Then, at the same concurrency per domain, no download delay and no AutoThrottle:

- **bare floor**: a Scrapy ``SitemapSpider`` whose callback is ``trafilatura.extract`` and nothing
  else (no archive, no index);
- **akhbar, in process**: ``akhbar crawl`` (fetch, WARC + CDXJ, extraction, indexing) with
  ``AKHBAR_EXTRACT_WORKERS=0``;
- **akhbar, workers**: the same with the default worker pool (one per core).

Each runs in its own process (the site server shares the machine); the table gives wall time,
articles/s, the ratio to the floor and the crawl process's peak RSS (``wait4``; worker processes
not included). Nothing here is a test: run it, read the table.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
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
    """The articles on 127.0.0.1: ``/a/N/`` pages and ``/sitemap.xml`` listing them all."""

    def __init__(self, articles: list[dict]) -> None:
        self.pages: dict[str, bytes] = {}
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        titles = [a.get("title") or "" for a in articles]
        for n, art in enumerate(articles):
            url = f"{self.base}/a/{n}/"
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in (art.get("text") or "").split("\n") if p.strip())
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


def _peak_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB of that process, its stdout). The peak is the kernel's high-water
    mark (``VmHWM``) read until the process ends: ``wait4``'s ``ru_maxrss`` would count the memory
    of this process, which the child was forked from, before it exec'd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0.0]
    status = Path(f"/proc/{proc.pid}/status")

    def watch() -> None:
        while proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]) / 1024)
            except (OSError, ValueError):
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    watcher.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… exited {proc.returncode}")
    return seconds, peak[0], out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight per domain, for both")
    args = ap.parse_args(argv)
    articles = [a for a in load_articles() if (a.get("text") or "").strip()][: args.articles]
    akhbar = str(Path(sys.executable).with_name("akhbar"))
    rows = []
    with Site(articles) as site, tempfile.TemporaryDirectory(prefix="akhbar-throughput-") as tmp:
        profiles = Path(tmp) / "profiles"
        profiles.mkdir()
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
        env = {**os.environ, "AKHBAR_SOURCES": str(profiles)}
        seconds, rss, out = _peak_rss([sys.executable, "-c", _BARE, site.base, str(args.concurrency)], env)
        rows.append(("bare Scrapy SitemapSpider + trafilatura.extract", seconds, int(out.strip() or 0), rss))
        floor = seconds
        for label, workers in (("akhbar crawl, extraction in process", "0"), ("akhbar crawl, extraction workers", "")):
            data = Path(tmp) / f"data-{workers or 'pool'}"
            run_env = {**env, "AKHBAR_DATA": str(data)}
            cmd = [akhbar, "crawl", "bench-site", "--no-progress",
                   "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}", "-s", "CONCURRENT_REQUESTS=32",
                   "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]
            if workers:
                cmd += ["-s", f"AKHBAR_EXTRACT_WORKERS={workers}"]
            seconds, rss, _ = _peak_rss(cmd, run_env)
            count = subprocess.run([akhbar, "search", "--json", "--limit", "1", ""],
                                   env=run_env, capture_output=True, text=True, check=False).stdout
            total = int(json.loads(count)["total"]) if count.strip().startswith("{") else 0
            rows.append((label, seconds, total, rss))
    print(f"{len(articles)} articles on 127.0.0.1, {args.concurrency} requests per domain, no delay, "
          f"no AutoThrottle; {os.cpu_count()} cores\n")
    print("| crawler | time | articles | articles/s | × the floor's time | peak RSS |\n|---|---:|---:|---:|---:|---:|")
    for label, seconds, count, rss in rows:
        print(f"| {label} | {seconds:.1f} s | {count:,} | {count / seconds:,.0f} | {seconds / floor:.2f} | "
              f"{rss:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
