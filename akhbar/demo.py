"""The main job on the embedded default, end to end, against the bundled sample sites:
serve them on loopback, crawl, archive, index, search, replay, and check the WARCs.
"""

from __future__ import annotations

import urllib.request

from rich.console import Console

from akhbar.crawl import run_crawl
from akhbar.sources import all_profiles
from akhbar.terminal import print_results
from core.archive import replay, warcio_check
from core.config import DataDir
from index.backends import open_backend
from index.base import SearchQuery
from index.story_search import search_stories
from samples.catalog import catalog
from samples.server import SampleSites

console = Console(highlight=False, soft_wrap=True)


def fetch_live(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


FAST = {"DOWNLOAD_DELAY": 0.05, "AUTOTHROTTLE_START_DELAY": 0.05, "AUTOTHROTTLE_MAX_DELAY": 1}


def start_sample_sites():
    """Sample sites on their default ports, or on free ones when those are taken."""

    sites = SampleSites()
    try:
        sites.start()
    except OSError:
        sites = SampleSites()
        sites.start(ports={"watan": 0, "dw": 0, "aggregator": 0})
    return sites


def sample_profiles(base_urls: dict[str, str]) -> list:
    profiles = all_profiles()
    out = []
    for site, base in base_urls.items():
        prof = profiles[f"sample-{site}"]
        out.append(prof if prof.base_url == base.rstrip("/") else prof.with_base_url(base))
    return out


def run_demo(data: DataDir, query: str = "مفاوضات الرقة", progress: bool = True) -> int:

    data.ensure()
    sites = start_sample_sites()
    try:
        console.rule("1. sample news sites on loopback")
        for site, base in sites.base_urls.items():
            console.print(f"  {site:11} {base}")
        console.rule("2. crawl → WARC + index")
        # Our own loopback server: no need for the seconds-long politeness delays real sites get.
        reports = run_crawl(sample_profiles(sites.base_urls), data, progress=progress, overrides=FAST)
        console.rule("3. WARC files (warcio check)")
        files = sorted(data.warc.glob("*.warc.gz"))
        check = warcio_check(files)
        ok, detail = check.returncode == 0, (check.stdout + check.stderr).strip()
        console.print(f"  {len(files)} WARC file(s) in {data.warc}: " + ("all valid" if ok else "PROBLEMS"))
        if not ok:
            console.print(detail)
        console.rule(f"4. search «{query}»")
        backend = open_backend("embedded", data)
        try:
            print_results(search_stories(backend, SearchQuery(text=query, collapse=True)), query)
        finally:
            backend.close()
        console.rule("5. replay a seed article from the archive")
        seed = next(a for a in catalog() if "seed" in a.flags and a.site == "watan")
        url = sites.base_urls[seed.site].rstrip("/") + seed.url_path
        rep = replay(url, data)
        out = data.root / "demo-replay.html"
        out.write_bytes(rep.body)
        same = rep.body == fetch_live(url)
        console.print(f"  {url}\n  capture {rep.capture.timestamp}, {rep.status_line}, {len(rep.body)} bytes → {out}")
        console.print(f"  byte-identical to what the sample server sends: {'yes' if same else 'NO'}")
        failed = not ok or not same or any(r.finish_reason != "finished" for r in reports)
        return 1 if failed else 0
    finally:
        sites.stop()
