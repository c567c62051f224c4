"""The distributed crawl for real: two `akhbar crawl --frontier` worker processes on one real
redis-server, over a sample site on loopback; one is killed with SIGKILL mid-crawl and started
again. Nothing is lost (every article archived and indexed), nothing is indexed twice, every WARC
file passes `warcio check`, and each worker's files carry its id (name and warcinfo)."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from bench.frontier import run
from tests.conftest import akhbar
from tests.redis_server import redis_server
from tests.test_elastic import es_url, prefix  # noqa: F401 - the engine's fixtures (a fresh index prefix)

pytestmark = pytest.mark.slow

# one worker parses in its own process: no extraction pool to boot for a dozen articles
NO_POOL = ("--set=AKHBAR_EXTRACT_WORKERS=0",)


def test_two_workers_one_killed_and_restarted_lose_nothing():
    result = run(workers=2, kill=True, kill_at_captures=3, names=("watan",), extra=NO_POOL)
    assert not result.notes, result.notes
    assert result.exit_codes == [0, 0]
    assert result.expected >= 10
    assert result.archived == result.expected, "every article is in the WARC files"
    assert result.indexed == result.expected, "every article is in the index"
    assert result.index_docs == result.expected, "each article indexed exactly once"
    assert result.warc_valid, "every WARC file passes warcio check, none left .open"
    assert set(result.warc_files) == {"w1", "w2"}, f"both workers wrote WARC files: {result.warc_files}"
    assert result.warcinfo_ok, "each file's warcinfo names the worker of its file name"
    assert result.held >= 1, "w1 was killed holding requests"
    assert result.reclaimed >= result.held, "the restarted w1 queued again the requests it held when killed"


def test_frontier_errors_are_one_line(tmp_data):
    with redis_server() as url:
        port = url.rsplit(":", 1)[1].split("/")[0]
    # the server is gone now: nothing answers on that port
    for frontier, says in ((f"redis://127.0.0.1:{port}/0", "does not answer"),
                           ("http://127.0.0.1:6379/0", "bad --frontier"),
                           ("redis://127.0.0.1:6379/x", "the database is a number")):
        proc = akhbar("crawl", "sample-watan", "--frontier", frontier, data=tmp_data, check=False)
        err = proc.stderr.decode()
        assert proc.returncode != 0 and says in err and "Traceback" not in err, err
    with redis_server() as url:
        proc = akhbar("crawl", "sample-watan", "--frontier", url, "--worker-id", "a/b", data=tmp_data, check=False)
    err = proc.stderr.decode()
    assert proc.returncode != 0 and "bad worker id" in err and "Traceback" not in err, err


def test_a_killed_worker_that_never_returns_is_taken_over():
    """w1 killed for good: w2 queues again what w1 held once w1's heartbeat lapses (3 s here) and
    finishes the crawl; the next crawl of the source on the host (w3) finishes w1's WARC file."""
    result = run(workers=2, kill=True, kill_at_captures=3, names=("watan",), extra=NO_POOL, restart=False)
    assert not result.notes, result.notes
    assert result.exit_codes == [0, 0]
    assert result.held >= 1, "w1 was killed holding requests"
    assert result.reclaimed >= result.held, "w2 took over the requests w1 held"
    assert result.archived == result.expected == result.indexed == result.index_docs
    assert result.warc_valid and result.warcinfo_ok
    assert {"w1", "w2"} <= set(result.warc_files)


def test_two_workers_on_elasticsearch(monkeypatch, es_url, prefix):  # noqa: F811 - fixtures
    """The several-hosts set-up: every worker indexes into one Elasticsearch (here with a kill and
    a restart too); upserts keyed by the canonical URL keep one document per article."""
    monkeypatch.setenv("AKHBAR_BACKEND", "elasticsearch")
    monkeypatch.setenv("AKHBAR_ES_URL", es_url)
    monkeypatch.setenv("AKHBAR_ES_INDEX_PREFIX", prefix)
    result = run(workers=2, kill=True, kill_at_captures=3, names=("watan",), extra=NO_POOL)
    assert not result.notes, result.notes
    assert result.archived == result.expected == result.indexed == result.index_docs
    assert result.warc_valid and set(result.warc_files) == {"w1", "w2"}


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_queue_entries_unpickle_to_requests_only():
    """Whoever can write to the Redis database cannot make a worker run code: an entry naming any
    callable is refused; a real request (a listing with its section) comes back whole."""
    import pickle

    from scrapy import Request, Spider
    from scrapy.utils.request import request_from_dict

    from crawler.frontier import dumps, loads
    from crawler.profiles import Section

    with pytest.raises(pickle.UnpicklingError):
        loads(pickle.dumps({"url": "http://127.0.0.1/", "x": _Evil()}))
    with pytest.raises(pickle.UnpicklingError):
        loads(dumps({"url": "http://127.0.0.1/", "_class": "os.system"}))

    class News(Spider):
        name = "news"

        def parse_listing(self, response, section, page):
            pass

    spider = News()
    section = Section(url="http://127.0.0.1/s", name="s", next_page="a.next::attr(href)")
    request = Request("http://127.0.0.1/s?page=2", callback=spider.parse_listing, meta={"akhbar_kind": "listing"},
                      cb_kwargs={"section": section, "page": 2}, headers={"If-None-Match": '"abc"'})
    back = request_from_dict(loads(dumps(request.to_dict(spider=spider))), spider=spider)
    assert back.url == request.url and back.cb_kwargs == {"section": section, "page": 2}
    assert back.headers.get("If-None-Match") == b'"abc"' and back.meta["akhbar_kind"] == "listing"


def test_frontier_settings_only_with_a_frontier(tmp_data):
    """Without a frontier the crawl's settings are the project's; with one, scrapy-redis's
    scheduler and duplicate filter, this worker's id, and the project's own components kept."""
    from akhbar.crawl import build_settings

    plain = build_settings(tmp_data, {})
    assert plain.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler" and not plain.get("AKHBAR_FRONTIER")
    assert "crawler.frontier.Frontier" not in plain.getdict("EXTENSIONS")
    distributed = build_settings(tmp_data, {"AKHBAR_FRONTIER": "redis://127.0.0.1:1/0", "AKHBAR_WORKER_ID": "a1"})
    assert distributed.get("SCHEDULER") == "crawler.frontier.FrontierScheduler"
    assert distributed.get("DUPEFILTER_CLASS") == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert distributed.getbool("SCHEDULER_PERSIST") and distributed.get("AKHBAR_WORKER_ID") == "a1"
    extensions = distributed.getdict("EXTENSIONS")
    assert "crawler.frontier.Frontier" in extensions and "crawler.state.CrawlState" in extensions
    assert "crawler.frontier.FrontierAck" in distributed.getdict("SPIDER_MIDDLEWARES")


def test_workers_ending_in_one_second_keep_both_reports(tmp_data):
    """Workers of one frontier end together: a report written in the same second as another takes
    the next free second instead of overwriting it (health and /metrics read every report)."""
    from akhbar.crawl import report_time, save_report

    written = [save_report(tmp_data, f'[{{"worker": {n}}}]') for n in range(3)]
    assert len(set(written)) == 3
    assert [p.read_text() for p in sorted(written)] == [f'[{{"worker": {n}}}]' for n in range(3)]
    times = [report_time(p) for p in sorted(written)]
    assert all(t is not None for t in times) and times == sorted(times)
    assert not list(tmp_data.reports.glob(".crawl-*")), "no temporary file left"


_ENQUEUER = """
import sys
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from crawler.frontier import Frontier

url, root = sys.argv[1], sys.argv[2]
crawler = get_crawler(settings_dict={"AKHBAR_FRONTIER": url, "REDIS_URL": url, "AKHBAR_WORKER_ID": "w1",
                                     "AKHBAR_DATA_DIR": root})
frontier = Frontier(crawler)
frontier.source = "s"
spider = Spider(name="news")
queue = PriorityQueue(server=frontier.server, spider=spider, key=frontier.key("requests"))
df = RFPDupeFilter(frontier.server, key=frontier.key("dupefilter"))
print("ready", flush=True)
n = 0
while True:
    n += 1
    frontier.push(queue, df, Request(f"http://127.0.0.1/archives/{n}"))
"""


def test_filter_and_queue_change_together_under_kill(tmp_path):
    """A worker SIGKILLed while it queues what a page linked to never leaves a URL in the shared
    duplicate filter that is not queued: such a URL would never be fetched by anyone (an article
    lost). The filter and the queue change in one step; kills at many moments show it."""
    import subprocess
    import sys
    import time

    import redis

    with redis_server() as url:
        server = redis.Redis.from_url(url)
        for round_ in range(8):
            proc = subprocess.Popen([sys.executable, "-c", _ENQUEUER, url, str(tmp_path)], stdout=subprocess.PIPE)
            assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
            time.sleep(0.05 + round_ * 0.013)
            proc.kill()
            proc.wait()
            proc.stdout.close()
            seen = server.scard("akhbar:frontier:s:dupefilter")
            queued = server.zcard("akhbar:frontier:s:requests")
            assert seen == queued > 0, f"round {round_}: {seen} URLs seen, {queued} queued"
            server.flushdb()
        server.close()


def test_a_redis_outage_mid_crawl_is_waited_out(tmp_path):
    """Redis stops mid-crawl (a restart: its append-only file keeps the frontier) and comes back
    seconds later: the worker says so once when it goes and once when it is back, keeps what it
    found meanwhile, and finishes the crawl with every article archived and indexed once."""
    import subprocess

    from bench.frontier import FrontierRun, _captures, _check, worker_cmd
    from core.config import DataDir
    from samples.server import SampleSites
    from tests.redis_server import running_redis

    sites = SampleSites().start(ports={"watan": 0, "dw": 0, "aggregator": 0})
    sites.latency = 0.2  # slow enough for the outage to land mid-crawl
    data = DataDir(tmp_path / "data").ensure()
    log = tmp_path / "w1.log"
    try:
        with running_redis(durable=True) as server:
            with open(log, "wb") as err:
                proc = subprocess.Popen([*worker_cmd(data, sites, server.url, "w1", slow=True, names=("watan",)),
                                         *NO_POOL], stdout=subprocess.DEVNULL, stderr=err)
            try:
                deadline = time.monotonic() + 60
                while _captures(data) < 4 and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert proc.poll() is None, "the crawl ended before the outage"
                server.stop()
                time.sleep(3)
                server.start()
                assert proc.wait(timeout=120) == 0, log.read_text()[-3000:]
            finally:
                if proc.poll() is None:
                    proc.kill()
        result = FrontierRun(workers=1, killed=False)
        _check(result, data, sites, ("watan",))
    finally:
        sites.stop()
    text = log.read_text(errors="replace")
    assert text.count("unreachable (") == 1 and text.count("answers again") == 1, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert result.expected >= 10 and result.archived == result.expected == result.indexed == result.index_docs
    assert result.warc_valid


def test_workers_share_one_pace_per_site():
    """Two workers on one site keep one worker's pace between them: the site sees one request per
    shared delay, though each worker alone would ask with no delay at all."""
    from samples.server import SampleSites

    gap = 0.25
    sites = SampleSites().start(ports={"watan": 0, "dw": 0, "aggregator": 0})
    try:
        with redis_server() as url, tempfile.TemporaryDirectory() as tmp:
            from bench.frontier import worker_cmd
            from core.config import DataDir

            data = DataDir(Path(tmp) / "data").ensure()
            procs = [subprocess.Popen([*worker_cmd(data, sites, url, w, slow=False, names=("watan",)), *NO_POOL,
                                       f"--set=AKHBAR_FRONTIER_DOMAIN_DELAY={gap}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for w in ("w1", "w2")]
            errs = [p.communicate(timeout=180)[1] for p in procs]
            assert [p.returncode for p in procs] == [0, 0], errs
        times = sorted(t for t, site, _ in sites.arrivals if site == "watan")
    finally:
        sites.stop()
    assert len(times) >= 15
    # a request reserved its moment, then waited for it: one sent late (its worker busy parsing)
    # leaves a short gap before the next, so the pace is checked over every four gaps
    spans = [b - a for a, b in zip(times, times[4:], strict=False)]
    assert min(spans) >= 4 * gap * 0.9, f"4 gaps in {min(spans):.3f} s (shared delay {gap} s)"
    assert (times[-1] - times[0]) / (len(times) - 1) >= gap * 0.95
