"""Incremental and fault-tolerant crawling, for real: a second crawl writes revisit records, a crawl
killed with SIGKILL resumes with nothing lost or duplicated, and a locked index spools articles."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from akhbar.demo import FAST
from core.archive import iter_cdx, replay
from core.config import DataDir
from crawler.fetchlog import FetchLog
from index.embedded import EmbeddedBackend
from samples.catalog import catalog
from tests.conftest import akhbar
from tests.helpers import warcio_check

pytestmark = pytest.mark.slow


def _crawl_args(sites, names=("watan", "aggregator"), extra=()):
    args = ["crawl", *[f"sample-{n}" for n in names], "--no-progress"]
    args += [f"--base-url=sample-{n}={sites.base_urls[n]}" for n in names]
    return [*args, *extra]


def _fast(**more):
    return [f"--set={k}={v}" for k, v in {**FAST, **more}.items()]


def crawl_with_edits(sites, data: DataDir, first=("watan",), apart: float = 0.0) -> list[str]:
    """Crawl ``first``, edit Al-Watan's articles and crawl it again with every article re-fetched:
    an archive with several versions of a page. Returns the edited paths (test_history, test_memento).
    ``apart``: seconds to wait between the crawls, for tests that need the captures that far apart
    however fast the machine crawls."""
    akhbar(*_crawl_args(sites, first), *_fast(), data=data)
    time.sleep(apart)
    try:
        paths = sites.edit_articles("watan")
        akhbar(*_crawl_args(sites, ("watan",)), *_fast(AKHBAR_REVISIT_AFTER=0), data=data)
    finally:
        sites.edits = {}
    return paths


def _html_articles(names):
    return [a for a in catalog() if a.site in names and "non_html" not in a.flags]


def _response_counts(data: DataDir) -> Counter:
    return Counter(c.url for c in iter_cdx(data.cdx) if c.mime != "warc/revisit")


def _report(data: DataDir) -> dict:
    import json

    latest = sorted((data.state / "reports").glob("crawl-*.json"))[-1]
    return {r["source"]: r for r in json.loads(latest.read_text())}


def test_second_crawl_writes_revisits_and_keeps_history(sample_sites, tmp_data):
    akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(), data=tmp_data)
    first = _report(tmp_data)["sample-watan"]
    assert first["articles_new"] >= 10 and first["warc_revisits"] == 0
    # everything is "old" now: re-fetched conditionally (articles) or compared by digest (the rest)
    akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(AKHBAR_REVISIT_AFTER=0), data=tmp_data)
    second = _report(tmp_data)["sample-watan"]
    assert second["articles_new"] == 0 and second["articles_updated"] == 0
    assert second["articles_discovered"] == first["articles_discovered"]
    assert second["articles_not_modified"] == first["articles_discovered"], "every article answered 304"
    assert second["warc_revisits"] >= second["articles_not_modified"]
    assert warcio_check(sorted(tmp_data.warc.glob("*.warc.gz"))).returncode == 0
    seed = next(a for a in catalog() if a.site == "watan" and "seed" in a.flags)
    url = sample_sites.base_urls["watan"] + seed.url_path
    caps = [c for c in iter_cdx(tmp_data.cdx) if c.url == url]
    assert sorted(c.mime for c in caps) == ["text/html", "warc/revisit"], "both captures are listed"
    latest = replay(url, tmp_data)
    assert latest.capture.mime == "warc/revisit" and latest.status_line.startswith("200")
    assert seed.title.encode() in latest.body, "a revisit replays the original payload"
    with FetchLog(tmp_data.state / "fetchlog.sqlite") as log:
        assert log.counts()["revisits"] == second["warc_revisits"]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the forkserver, the extraction workers), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [child for child, parent in parents.items() if parent in frontier]
        found += kids
        frontier = kids
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has ended)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in fh)
    except OSError:
        return False


def test_kill_9_then_resume_loses_and_duplicates_nothing(sample_sites, tmp_data):
    names = ("watan", "aggregator")
    slow = _fast(DOWNLOAD_DELAY=0.25, AUTOTHROTTLE_ENABLED=False, CONCURRENT_REQUESTS_PER_DOMAIN=1,
                 AKHBAR_INDEX_BATCH=1000)
    cmd = [sys.executable, "-m", "akhbar.cli", "--data", str(tmp_data.root), *_crawl_args(sample_sites, names),
           *slow]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log_path = tmp_data.state / "fetchlog.sqlite"
    deadline = time.monotonic() + 120
    archived = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        if log_path.exists():
            try:
                with sqlite3.connect(log_path, timeout=1) as db:
                    archived = db.execute("SELECT COUNT(*) FROM captures WHERE kind='article'").fetchone()[0]
            except sqlite3.Error:
                continue
        if archived >= 8:
            break
    assert proc.poll() is None, "the crawl finished before it could be killed; slow it down"
    helpers = _descendants(proc.pid)
    assert helpers, "the crawl runs its extraction workers in processes of its own"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list(tmp_data.warc.glob("*.open")), "the killed crawl left its WARC files open"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in helpers):
        time.sleep(0.2)
    assert not [pid for pid in helpers if _alive(pid)], "workers and forkserver end with the crawl that started them"
    # nothing was indexed yet (batch of 1000 never flushed): the restart must catch up from the WARC
    akhbar(*_crawl_args(sample_sites, names), *_fast(), data=tmp_data)

    files = sorted(tmp_data.warc.glob("*.warc.gz"))
    assert not list(tmp_data.warc.glob("*.open"))
    assert warcio_check(files).returncode == 0
    counts = _response_counts(tmp_data)
    expected = _html_articles(names)
    for art in expected:
        url = sample_sites.base_urls[art.site] + art.url_path
        assert counts[url] == 1, f"{art.url_path} archived {counts[url]} times"
    reports = _report(tmp_data)
    assert sum(r["articles_caught_up"] for r in reports.values()) >= 1
    backend = EmbeddedBackend(tmp_data.index)
    try:
        indexed = [backend.get(sample_sites.base_urls[a.site] + a.url_path) for a in expected]
        assert all(indexed), "every archived article is in the index"
        assert backend.count() == len(expected)
    finally:
        backend.close()


def test_locked_index_spools_then_drains(sample_sites, tmp_data):
    # Another process holds the index's write lock for the whole first crawl: a real failure.
    EmbeddedBackend(tmp_data.index).close()
    holder = sqlite3.connect(tmp_data.index, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    spool = tmp_data.state / "spool" / "sample-watan.jsonl"
    try:
        akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(), "--set=AKHBAR_INDEX_LOCK_TIMEOUT=0.5",
               data=tmp_data)
        first = _report(tmp_data)["sample-watan"]
        lines = spool.read_text().count("\n")
        # a second crawl while the index is still locked adds nothing twice to the spool
        akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(), "--set=AKHBAR_INDEX_LOCK_TIMEOUT=0.5",
               data=tmp_data)
        assert spool.read_text().count("\n") == lines == first["articles_spooled"]
    finally:
        holder.rollback()
        holder.close()
    assert first["articles_spooled"] >= 10 and first["spool_pending"] == first["articles_spooled"]
    assert first["articles_new"] == 0
    akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(), data=tmp_data)
    second = _report(tmp_data)["sample-watan"]
    assert second["spool_drained"] == first["articles_spooled"] and second["spool_pending"] == 0
    backend = EmbeddedBackend(tmp_data.index)
    try:
        assert backend.count() == first["articles_spooled"]
    finally:
        backend.close()


def test_pages_whose_extraction_worker_hangs_are_counted_then_caught_up(sample_sites, tmp_data):
    """Every page's worker "hangs" (a timeout no parse can meet): each is counted and stays in the
    archive awaiting indexing; the next crawl's catch-up indexes every one, none fetched again."""
    names = ("watan",)
    expected = _html_articles(names)
    akhbar(*_crawl_args(sample_sites, names), *_fast(AKHBAR_EXTRACT_TIMEOUT=1e-6, AKHBAR_EXTRACT_WORKERS=1),
           data=tmp_data)
    report = _report(tmp_data)["sample-watan"]
    assert report["errors"].get("extract_worker") == len(expected), report["errors"]
    backend = EmbeddedBackend(tmp_data.index)
    try:
        assert backend.count() == 0
    finally:
        backend.close()
    with FetchLog(tmp_data.fetchlog) as log:
        assert len(log.pending_index("sample-watan")) == len(expected), "archived, awaiting indexing"

    akhbar(*_crawl_args(sample_sites, names), *_fast(), data=tmp_data)
    assert _report(tmp_data)["sample-watan"]["articles_caught_up"] == len(expected)
    counts = _response_counts(tmp_data)
    assert all(counts[sample_sites.base_urls[a.site] + a.url_path] == 1 for a in expected), "none fetched again"
    backend = EmbeddedBackend(tmp_data.index)
    try:
        assert all(backend.get(sample_sites.base_urls[a.site] + a.url_path) for a in expected)
        assert backend.count() == len(expected)
    finally:
        backend.close()
