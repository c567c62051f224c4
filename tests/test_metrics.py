"""``/metrics`` for real: a crawl of the sample DW site, the app started, then a crawl of the sample
Al-Watan site by another process while another connection holds the index's write lock (so its
articles wait in the spool); the exposition, parsed by prometheus_client's own parser, says what
the crawl reports on disk and the spool say — including what happened after the app started."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from akhbar.schedule import ScheduleState, load_jobs
from akhbar.web import create_app
from core.config import DataDir
from index.embedded import EmbeddedBackend
from tests.conftest import akhbar
from tests.test_incremental import _crawl_args, _fast

pytestmark = pytest.mark.slow
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INDEXED = ("articles_new", "articles_updated", "articles_caught_up", "spool_drained")


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition, by name and labels."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def by_label(found: dict, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """The samples of one metric as ``{(label values…): value}``."""
    return {tuple(dict(lbls)[k] for k in labels): v for (n, lbls), v in found.items() if n == name}


def reports(data: DataDir) -> list[dict]:
    return [entry for path in sorted(data.reports.glob("crawl-*.json")) for entry in json.loads(path.read_text())]


@pytest.fixture(scope="module")
def crawled(sample_sites, tmp_path_factory):
    """(data, client, the exposition scraped before the second crawl)."""
    data = DataDir(tmp_path_factory.mktemp("metrics-data")).ensure()
    akhbar(*_crawl_args(sample_sites, ("dw",)), *_fast(), data=data)
    client = TestClient(create_app(data), base_url="http://127.0.0.1")
    before = client.get("/metrics").text
    EmbeddedBackend(data.index).close()
    holder = sqlite3.connect(data.index, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(), "--set=AKHBAR_INDEX_LOCK_TIMEOUT=0.5", data=data)
    finally:
        holder.rollback()
        holder.close()
    return data, client, before


def test_metrics_is_prometheus_text_and_not_in_the_api_description(crawled):
    _, client, _ = crawled
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"] == CONTENT_TYPE
    assert not resp.text.lstrip().startswith("<")
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_crawl_page_and_article_counters_match_the_crawl_reports(crawled):
    data, client, _ = crawled
    found = samples(client.get("/metrics").text)
    entries = reports(data)
    assert {e["source"] for e in entries} == {"sample-dw", "sample-watan"}
    crawls = Counter((e["source"], e["finish_reason"]) for e in entries)
    assert by_label(found, "akhbar_crawls_total", "source", "outcome") == dict(crawls)
    pages, indexed = Counter(), Counter()
    for e in entries:
        pages[e["source"],] += e["pages_fetched"]
        indexed[e["source"],] += sum(e[k] for k in INDEXED)
    assert by_label(found, "akhbar_pages_fetched_total", "source") == dict(pages)
    assert by_label(found, "akhbar_articles_indexed_total", "source") == dict(indexed)
    assert pages["sample-dw",] > 0 and indexed["sample-dw",] > 0, "the DW crawl fetched and indexed"
    assert indexed["sample-watan",] == 0, "the index was locked: Al-Watan's articles were spooled"
    articles = by_label(found, "akhbar_crawl_articles_total", "source", "kind")
    assert articles["sample-watan", "spooled"] == sum(e["articles_spooled"] for e in entries) > 0
    assert articles["sample-dw", "new"] == sum(e["articles_new"] for e in entries if e["source"] == "sample-dw")


def test_errors_by_kind_are_the_reports_error_counters(crawled):
    data, client, _ = crawled
    expected = Counter()
    for e in reports(data):
        for kind, n in e["errors"].items():
            expected[e["source"], kind] += n
    assert expected, "the sample sites have pages that fail on purpose"
    found = by_label(samples(client.get("/metrics").text), "akhbar_crawl_errors_total", "source", "kind")
    assert found == dict(expected)


def test_spool_depth_is_what_waits_in_the_spool(crawled):
    data, client, _ = crawled
    files = sorted(data.spool.glob("*.jsonl"))
    assert [f.name for f in files] == ["sample-watan.jsonl"]
    waiting = sum(1 for line in files[0].read_text(encoding="utf-8").splitlines() if line.strip())
    found = by_label(samples(client.get("/metrics").text), "akhbar_spool_depth", "source")
    assert found == {("sample-watan",): waiting}
    watan = next(e for e in reports(data) if e["source"] == "sample-watan")
    assert waiting == watan["spool_pending"] > 0


def test_a_crawl_run_after_the_app_started_is_counted_at_the_next_scrape(crawled):
    _, client, before = crawled
    then = samples(before)
    assert by_label(then, "akhbar_crawls_total", "source", "outcome").keys() == {("sample-dw", "finished")}
    assert not by_label(then, "akhbar_spool_depth", "source")
    now = by_label(samples(client.get("/metrics").text), "akhbar_crawls_total", "source", "outcome")
    assert ("sample-watan", "finished") in now


def test_search_latency_is_observed_for_the_page_and_the_api(crawled):
    data, client, _ = crawled

    def counts(c: TestClient) -> dict[tuple[str, ...], float]:
        return by_label(samples(c.get("/metrics").text), "akhbar_search_latency_seconds_count", "endpoint")

    start = counts(client)
    assert client.get("/", params={"q": "سوريا"}).status_code == 200
    assert client.get("/api/search", params={"q": "سوريا"}).status_code == 200
    client.get("/api/search", params={"since": "not a date"})  # a 400 is a search request answered too
    client.get("/metrics")
    client.get("/captures", params={"url": "http://127.0.0.1/"})
    after = counts(client)
    assert after[("page",)] == start.get(("page",), 0) + 1 and after[("api",)] == start.get(("api",), 0) + 2
    found = samples(client.get("/metrics").text)
    assert found["akhbar_search_latency_seconds_sum", frozenset({("endpoint", "page")})] > 0
    # each app has its own registry: a second app over the same data starts from nothing, without a clash
    other = TestClient(create_app(data), base_url="http://127.0.0.1")
    assert counts(other) == {}
    other.get("/", params={"q": "سوريا"})
    assert counts(other) == {("page",): 1} and counts(client) == after


def test_schedule_lag_is_how_late_a_due_job_is(tmp_data):
    jobs = {job.name: job for job in load_jobs(None)}  # no DATA/schedule.toml: the defaults, as akhbar schedule
    state = ScheduleState(tmp_data.state / "schedule.json")
    now = datetime.now(UTC)
    state.mark(jobs["feeds"], now - timedelta(hours=2))  # every 15 minutes: due 1h45 ago
    state.mark(jobs["sitemaps"], now)  # just ran: not due
    found = samples(TestClient(create_app(tmp_data), base_url="http://127.0.0.1").get("/metrics").text)
    lag = by_label(found, "akhbar_schedule_lag_seconds", "job")
    assert set(lag) == {("feeds",), ("sitemaps",)}, "jobs the scheduler has not seen yet have no lag"
    expected = (now - jobs["feeds"].next_after(now - timedelta(hours=2))).total_seconds()
    assert expected >= 105 * 60 and abs(lag["feeds",] - expected) < 30
    assert lag["sitemaps",] == 0
    last = by_label(found, "akhbar_schedule_last_run_timestamp_seconds", "job")
    assert abs(last["feeds",] - (now - timedelta(hours=2)).timestamp()) < 1
    # a schedule of its own in DATA/schedule.toml is the one measured
    (tmp_data.root / "schedule.toml").write_text('[[job]]\nname = "nightly"\nsources = ["*"]\ncron = "0 2 * * *"\n')
    state.mark(load_jobs(tmp_data.root / "schedule.toml")[0], now - timedelta(days=3))
    found = samples(TestClient(create_app(tmp_data), base_url="http://127.0.0.1").get("/metrics").text)
    lag = by_label(found, "akhbar_schedule_lag_seconds", "job")
    assert set(lag) == {("nightly",)} and lag["nightly",] > 2 * 86400 - 60


def test_damaged_state_files_are_left_out_not_a_500(tmp_data):
    tmp_data.reports.mkdir(parents=True)
    (tmp_data.reports / "crawl-20260101T000000Z.json").write_text("[{\"source\": ")  # cut short
    (tmp_data.reports / "crawl-20260102T000000Z.json").write_text('{"not": "a list"}')
    (tmp_data.reports / "crawl-20260103T000000Z.json").write_text(json.dumps([
        {"source": "x", "pages_fetched": 3, "articles_new": 2, "errors": {"timeout": 1}, "finish_reason": "shutdown"}]))
    (tmp_data.state / "schedule.json").write_text("not json")
    (tmp_data.root / "schedule.toml").write_text("[[job]]\ncron = 'never'\n")
    tmp_data.spool.mkdir(parents=True)
    (tmp_data.spool / "x.jsonl").write_bytes(b'{"url": 1}\n\n{"url": 2}\n{"torn')
    resp = TestClient(create_app(tmp_data), base_url="http://127.0.0.1").get("/metrics")
    assert resp.status_code == 200
    found = samples(resp.text)
    assert found["akhbar_crawl_reports_unreadable", frozenset()] == 2
    assert by_label(found, "akhbar_crawls_total", "source", "outcome") == {("x", "shutdown"): 1}
    assert by_label(found, "akhbar_articles_indexed_total", "source") == {("x",): 2}
    assert by_label(found, "akhbar_crawl_errors_total", "source", "kind") == {("x", "timeout"): 1}
    assert by_label(found, "akhbar_spool_depth", "source") == {("x",): 3}
    assert not by_label(found, "akhbar_schedule_lag_seconds", "job")
    last = by_label(found, "akhbar_crawl_last_report_timestamp_seconds", "source")
    assert last == {("x",): datetime(2026, 1, 3, tzinfo=UTC).timestamp()}
