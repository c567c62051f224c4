"""Bad input from a real (badly behaved) site: every fault is logged and counted, none crashes the
crawl, nothing archived is lost, and text in wrong or missing charsets is decoded right."""

from __future__ import annotations

import json
import os
import time

import pytest
from warcio.archiveiterator import ArchiveIterator

from core.config import DataDir
from crawler.fetchlog import FetchLog
from index.embedded import EmbeddedBackend
from tests.conftest import akhbar
from tests.faultsite import BOMB, CHARSET_PAGES, ERRORS, LEGACY_FRAGMENT, MAXSIZE, FaultSite, closed_port
from tests.helpers import warcio_check

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    data = DataDir(root / "data").ensure()
    with FaultSite() as site:
        profile_dir = root / "profiles"
        profile_dir.mkdir()
        site.profile(profile_dir)
        env = {**os.environ, "AKHBAR_SOURCES": str(profile_dir)}
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_MAXSIZE": MAXSIZE,
                    "AKHBAR_BACKOFF_BASE": 0.05, "AKHBAR_BACKOFF_MAX_DELAY": 0.2, "RETRY_TIMES": 1,
                    "DOWNLOAD_TIMEOUT": 2}
        proc = akhbar("crawl", "faults", "--no-progress", *[f"--set={k}={v}" for k, v in settings.items()],
                      data=data, env=env, check=False)
        report = json.loads(sorted((data.state / "reports").glob("*.json"))[-1].read_text())[0]
        yield site, data, proc, report


def test_crawl_survives_every_fault(fault_crawl):
    _, _, proc, report = fault_crawl
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert b"Traceback" not in proc.stderr
    errors = report["errors"]
    assert errors.get("bad_feed") == 1
    assert errors.get("bad_sitemap") == 1
    assert errors.get("too_large") == 4, "huge, endless, gzip bomb (Content-Encoding) and gzip bomb (.xml.gz)"
    assert errors.get("binary_as_html") == 1
    assert errors.get("redirect_loop") == 1
    assert errors.get("http_503") == len(ERRORS)
    assert errors.get("offsite_redirect") == 2, "a 302 and a meta refresh to the same host on another port"
    assert errors.get("timeout") == 1 and errors.get("connection_lost") == 1
    assert errors.get("control_bytes") == 1 and errors.get("non_html") == 1
    assert report["robots_forbidden"] == 1


def test_error_kinds_are_named_for_people(fault_crawl):
    """The report says timeout / connection_lost / too_large, never a library's exception class."""
    _, _, proc, report = fault_crawl
    assert not {k for k in report["errors"] if k[0].isupper() or k == "ignored"}, report["errors"]
    assert b"_DecompressionMaxSizeExceeded" not in proc.stderr


def test_one_line_per_event(fault_crawl):
    _, _, proc, _ = fault_crawl
    assert proc.stderr.count(b"bad-feed.xml is malformed XML") == 1, "each warning printed once"
    assert proc.stderr.count(b"/a/slow failed (timeout)") == 1
    assert b"Gave up retrying" not in proc.stderr, "the spider already says how each request ended"
    assert b"Failure twisted" not in proc.stderr, "a reason, not the repr of a list of Failures"


def test_escape_sequences_never_reach_the_terminal(fault_crawl):
    """A Content-Type holding OSC/CSI sequences (window title, clear screen, cursor report)."""
    _, _, proc, _ = fault_crawl
    line = next(ln for ln in proc.stderr.splitlines() if b"/a/escape-ctype" in ln)
    assert b"text/x-evil" in line and b"not HTML" in line
    for raw in (b"\x1b", b"\x07", "\x9b".encode(), b"pwned"):
        assert raw not in proc.stderr, raw


def _indexed(data: DataDir, site: FaultSite, *paths: str) -> list[dict | None]:
    """The indexed article of each page of the fault site (None where it was not indexed)."""
    with EmbeddedBackend(data.index) as backend:
        return [backend.get(site.base + p) for p in paths]


def _records(data: DataDir, url: str) -> list[tuple[dict, bytes]]:
    """(WARC headers, payload as stored) of every response record for ``url``, read with warcio."""
    out = []
    for path in sorted(data.warc.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response" and rec.rec_headers.get_header("WARC-Target-URI") == url:
                    out.append((dict(rec.rec_headers.headers), rec.raw_stream.read()))
    return out


def test_oversized_bodies_are_archived_truncated(fault_crawl):
    """Over DOWNLOAD_MAXSIZE, with a Content-Length or endless and chunked: the head is kept, marked
    WARC-Truncated: length (warcio check passes on every file, see below), and not indexed."""
    site, data, _, _ = fault_crawl
    for path in ("/a/huge", "/a/endless"):
        [(headers, payload)] = _records(data, site.base + path)
        assert headers.get("WARC-Truncated") == "length", path
        assert len(payload) == MAXSIZE, path
        assert payload.startswith(b"<!DOCTYPE html>")
    [(headers, payload)] = _records(data, site.base + "/a/gzip-bomb")
    assert payload == BOMB and "WARC-Truncated" not in headers, "stored as sent, compressed"
    assert _indexed(data, site, "/a/huge", "/a/endless", "/a/gzip-bomb") == [None, None, None]
    with FetchLog(data.fetchlog) as log:
        assert log.pending_index("faults") == [], "nothing left for a later crawl's catch-up to index"


def test_redirects_stay_on_the_site(fault_crawl):
    """A 302 or a meta refresh to the same host on another port is not followed (is_allowed demands
    the same port); a same-site meta refresh is followed, the refreshing stub archived, not indexed."""
    site, data, _, _ = fault_crawl
    from core.archive import iter_cdx

    assert site.elsewhere.hits == [], "nothing reached the other port"
    urls = {c.url for c in iter_cdx(data.cdx)}
    assert not any(u.startswith(site.elsewhere.base) for u in urls)
    for path in ("/a/other-port", "/a/refresh-offsite", "/a/refresh", "/a/refresh-target"):
        assert site.base + path in urls, f"{path} archived"
    target, stub, offsite = _indexed(data, site, "/a/refresh-target", "/a/refresh", "/a/refresh-offsite")
    assert target is not None and target["title"] == "مقال بعد التحويل"
    assert stub is None
    assert offsite is None


def test_a_stray_nul_does_not_make_an_article_binary(fault_crawl):
    site, data, _, _ = fault_crawl
    [doc] = _indexed(data, site, "/a/nul-byte")
    assert doc is not None and doc["title"] == "مقال فيه بايت صفري"
    assert "\x00" not in doc["text"] and "\ufffd" not in doc["text"] and "الفستق الحلبي" in doc["text"]


def test_utf8_labelled_legacy_keeps_its_legacy_fragment(fault_crawl):
    """UTF-8 labelled ISO-8859-6 is read as UTF-8, and the windows-1256 paragraph inside it too."""
    site, data, _, _ = fault_crawl
    [doc] = _indexed(data, site, "/a/utf8-as-iso88596")
    assert doc is not None and LEGACY_FRAGMENT in doc["text"]


def test_spider_traps_are_bounded(fault_crawl):
    site, data, _, _ = fault_crawl
    from core.archive import iter_cdx

    urls = [c.url for c in iter_cdx(data.cdx)]
    listings = sorted(u for u in urls if "/list?" in u)
    assert listings == [f"{site.base}/list?page={n}" for n in (1, 2, 3)], "endless pagination stops at max_pages"
    assert not any("/calendar/" in u for u in urls), "calendar pages denied by the profile"
    assert sum(1 for u in urls if u.startswith(site.base + "/a/good-utf8")) == 1, "session-id variants collapse"


def test_recrawl_skips_fresh_articles_even_behind_redirects(fault_crawl):
    site, data, _, _ = fault_crawl
    from core.archive import iter_cdx

    settings = ["--set=DOWNLOAD_DELAY=0", "--set=AUTOTHROTTLE_ENABLED=False", "--set=RETRY_TIMES=0",
                f"--set=DOWNLOAD_MAXSIZE={MAXSIZE}", "--set=DOWNLOAD_TIMEOUT=2"]  # /a/slow fails again
    env = {**os.environ, "AKHBAR_SOURCES": str(data.root.parent / "profiles")}
    akhbar("crawl", "faults", "--no-progress", *settings, data=data, env=env, check=False)
    report = json.loads(sorted((data.state / "reports").glob("*.json"))[-1].read_text())[0]
    assert report["articles_known"] >= 8 and report["articles_new"] == 0
    moved = [c for c in iter_cdx(data.cdx) if c.url == site.base + "/a/moved"]
    assert len(moved) == 1, "the redirecting feed link was not fetched again"


def test_error_storm_backs_off(fault_crawl):
    _, _, proc, _ = fault_crawl
    assert b"waiting" in proc.stderr and b"between requests" in proc.stderr


def test_everything_received_is_archived_and_valid(fault_crawl):
    _, data, _, _ = fault_crawl
    files = sorted(data.warc.glob("*.warc.gz"))
    assert files and warcio_check(files).returncode == 0
    from core.archive import iter_cdx

    urls = {c.url for c in iter_cdx(data.cdx)}
    for path in ("/a/binary", "/a/loop-a", "/a/loop-b", *ERRORS, "/bad-feed.xml", "/sitemap-broken.xml",
                 "/sitemap-bomb.xml.gz", "/a/huge", "/a/endless", "/a/gzip-bomb", "/a/escape-ctype", "/a/nul-byte"):
        assert any(u.endswith(path) for u in urls), f"{path} not archived"
    assert not any("utm_source" in u or "sid=" in u for u in urls), "tracking/session parameters stripped"


@pytest.mark.parametrize("path", sorted(CHARSET_PAGES))
def test_charsets_decoded(fault_crawl, path):
    site, data, _, _ = fault_crawl
    title = CHARSET_PAGES[path][0]
    [doc] = _indexed(data, site, path)
    assert doc is not None, f"{path} not indexed"
    assert doc["title"] == title
    assert "الفستق الحلبي" in doc["text"]


def test_future_date_is_not_believed(fault_crawl):
    site, data, _, _ = fault_crawl
    doc, broken = _indexed(data, site, "/a/future-date", "/a/broken-html")
    assert doc is not None and not (doc["published"] or "").startswith("2031")
    assert broken is not None and "الفستق" in broken["text"]


# -- discovery traps and crawl budgets ------------------------------------------------------------
FAST = ["--set=DOWNLOAD_DELAY=0", "--set=AUTOTHROTTLE_ENABLED=False", "--set=RETRY_TIMES=1"]


@pytest.fixture(scope="module")
def trap_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("traps")
    profiles = root / "profiles"
    profiles.mkdir()
    with FaultSite() as site:
        site.trap_profiles(profiles)
        yield site, root, {**os.environ, "AKHBAR_SOURCES": str(profiles)}


def _crawl(data: DataDir, env: dict, *args: str):
    """A real `akhbar crawl`; its exit status, stderr, wall time and the report of each source."""
    started = time.monotonic()
    proc = akhbar("crawl", *args, "--no-progress", *FAST, data=data, env=env, check=False)
    elapsed = time.monotonic() - started
    report = json.loads(sorted(data.reports.glob("*.json"))[-1].read_text())
    return proc, elapsed, {r["source"]: r for r in report}


@pytest.fixture(scope="module")
def bounded_crawl(trap_site):
    site, root, env = trap_site
    data = DataDir(root / "bounded").ensure()
    proc, _, reports = _crawl(data, env, "traps-depth", "traps-wide", "refused",
                              "--set=AKHBAR_SITEMAP_MAX_DEPTH=3", "--set=AKHBAR_SITEMAP_MAX_COUNT=6")
    return site, data, proc, reports


def test_sitemap_index_depth_is_capped(bounded_crawl):
    """An index whose child links to ?n=N+1: fetched down to AKHBAR_SITEMAP_MAX_DEPTH, then counted."""
    _, data, proc, reports = bounded_crawl
    from core.archive import iter_cdx

    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr[-3000:]
    levels = sorted(int(c.url.rsplit("=", 1)[1]) for c in iter_cdx(data.cdx) if "/trap/sitemap.xml" in c.url)
    assert levels == [0, 1, 2, 3]
    assert reports["traps-depth"]["limits"] == {"sitemap_depth": 1}
    assert reports["traps-depth"]["finish_reason"] == "finished"
    assert proc.stderr.count(b"AKHBAR_SITEMAP_MAX_DEPTH=3") == 1


def test_sitemaps_per_crawl_are_capped(bounded_crawl):
    _, data, proc, reports = bounded_crawl
    from core.archive import iter_cdx

    wide = {c.url for c in iter_cdx(data.cdx) if "/wide/" in c.url}
    assert len(wide) == 6, "the index and 5 of its 20 children: AKHBAR_SITEMAP_MAX_COUNT=6"
    assert reports["traps-wide"]["limits"] == {"sitemap_count": 15}
    assert proc.stderr.count(b"AKHBAR_SITEMAP_MAX_COUNT") == 1, "said once, counted for each skip"


def test_refused_connection_is_named_so(bounded_crawl):
    _, _, proc, reports = bounded_crawl
    assert reports["refused"]["errors"] == {"connection_refused": 1}
    assert b"/sitemap.xml failed (connection_refused): Connection was refused" in proc.stderr


def test_crawl_budgets_end_an_endless_crawl_and_free_the_lock(trap_site):
    """No depth or count cap at all: the per-crawl wall-clock budget ends it, with a clear reason;
    a second crawl of the source takes the lock right after and is ended by the page budget."""
    import fcntl

    _, root, env = trap_site
    data = DataDir(root / "budgets").ensure()
    unbounded = ["--set=AKHBAR_SITEMAP_MAX_DEPTH=0", "--set=AKHBAR_SITEMAP_MAX_COUNT=0"]
    proc, elapsed, reports = _crawl(data, env, "traps-endless", *unbounded, "--set=CLOSESPIDER_TIMEOUT=2")
    report = reports["traps-endless"]
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert report["finish_reason"] == "closespider_timeout" and report["limits"] == {"timeout": 1}
    assert report["pages_fetched"] > 5 and elapsed < 60
    assert b"CLOSESPIDER_TIMEOUT=2 used up" in proc.stderr

    proc, _, reports = _crawl(data, env, "traps-endless", *unbounded, "--set=CLOSESPIDER_PAGECOUNT=5")
    report = reports["traps-endless"]
    assert report["finish_reason"] == "closespider_pagecount", "not already_running: the lock was free"
    assert report["limits"] == {"pagecount": 1} and report["pages_fetched"] < 20
    with open(data.locks / "traps-endless.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if anyone still held it
    files = sorted(data.warc.glob("*.warc.gz"))
    assert files and not list(data.warc.glob("*.open")) and warcio_check(files).returncode == 0


def test_search_engine_outage_is_one_line_not_a_traceback_storm(sample_sites, tmp_path):
    """The engine unreachable for a whole crawl (nothing listens on its port): the client's retry
    warnings, a traceback each, are counted and summarised; the outage is reported once; nothing
    is lost (the articles wait in the spool)."""
    data = DataDir(tmp_path / "data").ensure()
    env = {**os.environ, "AKHBAR_BACKEND": "elasticsearch", "AKHBAR_ES_URL": f"http://127.0.0.1:{closed_port()}"}
    move = f"--base-url=sample-watan={sample_sites.base_urls['watan']}"
    proc, _, reports = _crawl(data, env, "sample-watan", move, "--set=AKHBAR_INDEX_BATCH=3")
    report = reports["sample-watan"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert b"Traceback" not in proc.stderr and b"Retrying request" not in proc.stderr
    assert proc.stderr.count(b"search backend elasticsearch unavailable") == 1
    assert proc.stderr.count(b"elastic_transport retried") == 1
    assert report["articles_spooled"] >= 10 and report["spool_pending"] == report["articles_spooled"]


def _mount_tmpfs(path, size: str) -> bool:
    import subprocess

    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, check=False).returncode == 0


def test_disk_full_stops_cleanly_with_a_valid_archive(sample_sites, tmp_path):
    """A real full disk: the WARC directory is a 96 KiB tmpfs that the crawl fills up."""
    import subprocess

    data = DataDir(tmp_path / "data")
    if not _mount_tmpfs(data.warc, "96k"):
        if os.environ.get("CI"):
            pytest.fail("cannot mount a tmpfs to fill up (CI runs as root and must be able to)")
        pytest.skip("LOUD SKIP: mounting a tmpfs needs root; disk-full behaviour not exercised here")
    try:
        data.ensure()
        proc = akhbar("crawl", "sample-watan", "sample-dw", "sample-aggregator", "--no-progress",
                      *[f"--base-url=sample-{s}={u}" for s, u in sample_sites.base_urls.items()],
                      "--set=DOWNLOAD_DELAY=0", "--set=AUTOTHROTTLE_ENABLED=False", data=data, check=False)
        assert proc.returncode == 1
        assert b"No space left on device" in proc.stderr
        assert b"stopping the crawl" in proc.stderr
        assert b"Traceback" not in proc.stderr
        files = sorted(data.warc.glob("*.warc.gz"))
        assert files, "what fitted was finished and kept"
        assert not list(data.warc.glob("*.open")), "no half-written file left behind"
        assert warcio_check(files).returncode == 0
        report = json.loads(sorted((data.state / "reports").glob("*.json"))[-1].read_text())
        assert {r["finish_reason"] for r in report} == {"warc_write_error"}
    finally:
        subprocess.run(["umount", str(data.warc)], check=False)


def test_unusable_warc_directory_stops_before_fetching(sample_sites, tmp_path):
    data = DataDir(tmp_path / "data")
    data.root.mkdir(parents=True)
    data.warc.write_text("a file where the WARC directory should be")
    move = f"--base-url=sample-watan={sample_sites.base_urls['watan']}"
    proc = akhbar("crawl", "sample-watan", "--no-progress", move, data=data, check=False)
    assert proc.returncode != 0
    assert b"WARC directory" in proc.stderr and b"not usable" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_second_crawl_of_the_same_source_is_refused(sample_sites, tmp_path):
    """Two crawls of one source would fight over its open WARC file: the second one must stop."""
    import fcntl

    data = DataDir(tmp_path / "data").ensure()
    lock_dir = data.state / "locks"
    lock_dir.mkdir(parents=True)
    with open(lock_dir / "sample-watan.lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running crawl holds it
        move = f"--base-url=sample-watan={sample_sites.base_urls['watan']}"
        proc = akhbar("crawl", "sample-watan", "--no-progress", move, data=data, check=False)
    assert proc.returncode == 1
    assert b"another crawl of sample-watan is running" in proc.stderr
    assert not list(data.warc.glob("*.warc.gz*")), "nothing was fetched or written"
    report = json.loads(sorted((data.state / "reports").glob("*.json"))[-1].read_text())[0]
    assert report["finish_reason"] == "already_running" and report["pages_fetched"] == 0


def test_unusable_fetch_log_stops_the_crawl(sample_sites, tmp_path):
    """The fetch log is not a database (damaged, or something else in its place): the crawl stops
    with that one error instead of failing every request it takes."""
    data = DataDir(tmp_path / "data").ensure()
    data.fetchlog.parent.mkdir(parents=True, exist_ok=True)
    data.fetchlog.write_bytes(b"this is not an SQLite database\n" * 200)
    move = f"--base-url=sample-watan={sample_sites.base_urls['watan']}"
    proc = akhbar("crawl", "sample-watan", "--no-progress", move, data=data, check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert b"fetch log" in proc.stderr and b"cannot be opened" in proc.stderr, proc.stderr[-3000:]
    assert b"Traceback" not in proc.stderr and b"crawl state is used" not in proc.stderr, proc.stderr[-3000:]
    assert not list(data.warc.glob("*.warc.gz*")), "nothing was fetched that could not be recorded"
