"""Source health and the drift alarm, over real crawls of the sample sites on loopback: a healthy
crawl raises nothing and its counts agree with the index and the report; a source whose feed
answers 404 and whose template stops carrying the story (crawled by the real scheduler) raises
the failing-feed, quality-drop and, after N runs, the no-new-articles alarms — in
``akhbar sources --health``, its ``--check`` exit code and the ``/sources`` page."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from akhbar.drift_sample import sample_path
from akhbar.web import create_app
from core.config import DataDir
from index.backends import open_backend
from index.base import SearchQuery
from samples.catalog import site_articles
from samples.router import Response
from samples.server import Edit, SampleSites
from tests.conftest import akhbar
from tests.test_elastic import es_url, prefix  # noqa: F401 - fixtures
from tests.test_incremental import _crawl_args, _fast

pytestmark = pytest.mark.slow
LOCAL = "http://127.0.0.1"
FIELDS = {"id", "name", "last_crawl", "articles_per_day", "articles_indexed", "empty_body_share",
          "missing_date_share", "missing_author_share", "http_error_rate", "failing_feeds", "sample", "alarms"}


@dataclass(frozen=True)
class EmptiedBody(Edit):
    """A template change: the story's paragraphs are no longer in the page (headline and chrome stay)."""

    def apply(self, resp: Response):
        story = re.search(rb'<div class="entry-content.*?(?=</article>|<footer|</body>|\Z)', resp.body, flags=re.S)
        return Edit(replace=(story.group(0), b"")).apply(resp)


@pytest.fixture(scope="module")
def sites():
    """Our own sample sites: this module makes them misbehave."""
    s = SampleSites()
    s.start(ports={"watan": 0, "dw": 0, "aggregator": 0})  # ephemeral ports only: never a fixed one
    yield s
    s.stop()


def _health(data: DataDir, *extra: str, env: dict[str, str] | None = None, check: bool = True):
    return akhbar("sources", "--health", *extra, data=data, env=env, check=check)


def _report_json(data: DataDir, env: dict[str, str] | None = None) -> dict:
    return json.loads(_health(data, "--json", env=env).stdout)


def _crawl_reports(data: DataDir) -> list[tuple[str, dict]]:
    return [(p.name, {r["source"]: r for r in json.loads(p.read_text())})
            for p in sorted(data.reports.glob("crawl-*.json"))]


def _page(data: DataDir, backend: str | None = None):
    with TestClient(create_app(data, backend_name=backend), base_url=LOCAL) as client:
        resp = client.get("/sources")
    assert resp.status_code == 200, resp.text[:500]
    assert '<html lang="ar" dir="rtl">' in resp.text
    csp = resp.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    return resp, lxml.html.fromstring(resp.text)


def test_healthy_crawl_raises_no_alarm_and_counts_agree(sites, tmp_data):
    akhbar(*_crawl_args(sites, ("watan", "dw")), *_fast(), data=tmp_data)
    (name, reports), = _crawl_reports(tmp_data)
    proc = _health(tmp_data, "--check")
    assert proc.returncode == 0 and "no alarm" in proc.stdout.decode()
    got = _report_json(tmp_data)
    assert set(got) == {"generated", "settings", "schedule", "sources"}
    assert got["settings"]["idle_runs"] == 3
    by_id = {s["id"]: s for s in got["sources"]}
    assert set(by_id) == {"sample-watan", "sample-dw"}
    backend = open_backend("embedded", tmp_data)
    try:
        indexed = dict(backend.facets(SearchQuery(), limit=100)["source"])
        for source, s in by_id.items():
            assert set(s) == FIELDS
            assert s["alarms"] == [], s["alarms"]
            assert s["last_crawl"] == {"time": f"{name[6:10]}-{name[10:12]}-{name[12:14]}T{name[15:17]}:"
                                               f"{name[17:19]}:{name[19:21]}Z", "status": "finished"}
            assert len(s["articles_per_day"]) == 30 and set(s["articles_per_day"][0]) == {"date", "count"}
            new = sum(d["count"] for d in s["articles_per_day"])
            assert new == s["articles_indexed"] == indexed[source] == reports[source]["articles_new"] > 5
            assert s["articles_per_day"][-1]["count"] == new, "all of them today"
            assert s["failing_feeds"] == [] and s["http_error_rate"] == {"4xx": 0.0, "5xx": 0.0, "network": 0.0}
            assert s["empty_body_share"] < 0.2 and s["missing_date_share"] == 0.0
            dated = backend.search(SearchQuery(sources=[source], per_page=100)).hits
            no_author = sum(1 for h in dated if not h.article.get("authors")) / len(dated)
            assert s["missing_author_share"] == round(no_author, 4)
            # the drift sample the crawl kept: an indexed article, extracted again unchanged
            assert s["sample"] and backend.get(s["sample"]["url"]) is not None
            assert json.loads(sample_path(tmp_data, source).read_text())["found"]["body_length"] > 100
    finally:
        backend.close()
    resp, doc = _page(tmp_data)
    assert len(doc.cssselect("article.source-health.healthy")) == 2 and not doc.cssselect(".alarm")
    assert "لا إنذار" in resp.text


def test_sample_extracted_differently_raises_the_alarm(sites, tmp_data):
    """The sample says what extraction found when it was kept; today's code finding much less (here:
    the stored finding claims a longer body and another title) is the sample_changed alarm."""
    akhbar(*_crawl_args(sites, ("dw",)), *_fast(), data=tmp_data)
    path = sample_path(tmp_data, "sample-dw")
    sample = json.loads(path.read_text())
    sample["found"].update(body_length=sample["found"]["body_length"] * 3, title="عنوان آخر")
    path.write_text(json.dumps(sample, ensure_ascii=False))
    proc = _health(tmp_data, "--check", check=False)
    assert proc.returncode == 1
    alarms = _report_json(tmp_data)["sources"][0]["alarms"]
    assert {a["kind"] for a in alarms} == {"sample_changed"}
    assert any("title changed" in a["message"] for a in alarms)


@dataclass
class Broken:
    data: DataDir
    seen: list[dict]  # sample-watan's health after each scheduled run
    feed: str


@pytest.fixture(scope="module")
def broken(sites, tmp_path_factory) -> Broken:
    """Both sample sites crawled while healthy; then Al-Watan's feed answers 404 and its template
    drops the story, and the real scheduler crawls it three more times (a job on a cron schedule,
    made due before each ``akhbar schedule --once``)."""
    root = tmp_path_factory.mktemp("health-broken")
    data = DataDir(root / "data").ensure()
    akhbar(*_crawl_args(sites, ("watan", "dw")), *_fast(), data=data)
    assert _health(data, "--check").returncode == 0
    articles = [a for a in site_articles("watan") if "non_html" not in a.flags and a.body]
    sites.edits = {("watan", "/feed/"): Edit(status=404),
                   **{("watan", a.url_path): EmptiedBody() for a in articles}}
    args = [f"--base-url=sample-watan={sites.base_urls['watan']}", *_fast(AKHBAR_REVISIT_AFTER=0)]
    schedule = root / "schedule.toml"
    schedule.write_text('[[job]]\nname = "watan"\nsources = ["sample-watan"]\ncron = "*/5 * * * *"\n'
                        f"args = {json.dumps(args)}\n")
    try:
        seen = []
        for _ in range(3):
            (data.state / "schedule.json").write_text(json.dumps({"watan": "2020-01-01T00:00:00+00:00"}))
            assert "ran: watan" in akhbar("schedule", "--once", "--config", str(schedule), data=data).stdout.decode()
            seen.append({s["id"]: s for s in _report_json(data)["sources"]}["sample-watan"])
    finally:
        sites.edits = {}
    return Broken(data, seen, sites.base_urls["watan"].rstrip("/") + "/feed/")


def test_broken_source_raises_alarms(broken):
    """The failing feed and the quality drop from the first run after the breakage on, no new
    articles after the third; --check exits 1; /sources highlights the alarms."""
    data, seen, feed = broken.data, broken.seen, broken.feed
    reports = [r["sample-watan"] for _, r in _crawl_reports(data)]
    assert len(reports) == 4 and [r["articles_new"] for r in reports[1:]] == [0, 0, 0]
    assert reports[1]["articles_discovered"] > 5, "the section pages and sitemap still list the articles"
    assert reports[1]["extraction"]["short_body"] >= reports[1]["extraction"]["articles"] - 1 > 5
    first, last = seen[0], seen[-1]
    kinds = [{a["kind"] for a in s["alarms"]} for s in seen]
    assert kinds[0] == kinds[1] == {"failing_feed", "quality_drop"}, kinds
    assert kinds[2] == {"failing_feed", "quality_drop", "no_new_articles"}, kinds
    assert [(f["url"], f["kind"], f["status"]) for f in last["failing_feeds"]] == [(feed, "feed", 404)]
    assert first["empty_body_share"] > 0.5, "the index now holds the emptied texts"
    assert first["http_error_rate"]["4xx"] > 0
    got = _report_json(data)
    assert "watan" in got["schedule"]
    dw = {s["id"]: s for s in got["sources"]}["sample-dw"]
    assert dw["alarms"] == [] and dw["failing_feeds"] == [], "the other source stays healthy"
    assert not any(a["kind"] == "sample_changed" for a in last["alarms"]), "the archived sample did not change"
    proc = _health(data, "--check", check=False)
    out = proc.stdout.decode()
    assert proc.returncode == 1 and "ALARM sample-watan failing_feed" in out and "no_new_articles" in out
    resp, doc = _page(data)
    box, = doc.cssselect("article.source-health.alarm")
    assert box.get("id") == "source-sample-watan"
    assert [b.get("id") for b in doc.cssselect("article.source-health.healthy")] == ["source-sample-dw"]
    assert {li.get("class") for li in box.cssselect(".alarms li")} == \
        {"alarm-failing_feed", "alarm-quality_drop", "alarm-no_new_articles"}
    assert "خلاصة أو خريطة موقع تردّ بخطأ" in resp.text and "لا مقالات جديدة" in resp.text
    assert feed in [td.text_content() for td in box.cssselect(".failing td")]
    with TestClient(create_app(data), base_url=LOCAL) as client:
        api = client.get("/api/sources")
    assert api.status_code == 200 and api.json()["sources"] == got["sources"], "the API is the CLI's JSON"


def test_sources_page_in_the_browser(broken):
    """/sources in chromium: the alarmed source stands out, nothing is requested outside the app;
    the screenshot is the README's (test-artifacts/sources.png, copied to docs/)."""
    from tests.test_browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, AppServer, sync_api

    with AppServer(broken.data) as app, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1180}, locale="ar")
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(app.base + "/sources")
            alarm = page.locator("article.source-health.alarm")
            assert alarm.count() == 1 and alarm.get_attribute("id") == "source-sample-watan"
            color = alarm.evaluate("e => getComputedStyle(e).borderTopColor")
            healthy = page.locator("article.source-health.healthy").evaluate("e => getComputedStyle(e).borderTopColor")
            assert color != healthy, "the alarm is highlighted"
            assert all(u.startswith(app.base) for u in requests), requests
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "sources.png"), full_page=False)
        finally:
            browser.close()


def test_health_on_elasticsearch(sites, tmp_path, es_url, prefix):  # noqa: F811 - fixtures
    """The index figures through the engine's facets and search are the embedded backend's."""
    env = {**os.environ, "AKHBAR_BACKEND": "elasticsearch", "AKHBAR_ES_URL": es_url, "AKHBAR_ES_INDEX_PREFIX": prefix}
    data = DataDir(Path(tmp_path) / "data").ensure()
    akhbar(*_crawl_args(sites, ("dw",)), *_fast(), data=data, env=env)
    s, = _report_json(data, env=env)["sources"]
    (_, reports), = _crawl_reports(data)
    assert s["alarms"] == [] and s["articles_indexed"] == reports["sample-dw"]["articles_new"] > 5
    assert s["articles_indexed"] == sum(d["count"] for d in s["articles_per_day"])
    assert _health(data, "--check", env=env).returncode == 0


def test_bad_settings_and_an_empty_archive_are_one_line_answers(tmp_path, monkeypatch):
    data = DataDir(tmp_path / "none")
    proc = _health(data)
    assert proc.returncode == 0 and "no source has been crawled yet" in proc.stdout.decode()
    assert json.loads(_health(data, "--json").stdout)["sources"] == []
    assert _health(data, "--check").returncode == 0
    env = {**os.environ, "AKHBAR_HEALTH_IDLE_RUNS": "three"}
    proc = _health(data, "--check", env=env, check=False)
    lines = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 2 and lines == ["akhbar sources: AKHBAR_HEALTH_IDLE_RUNS='three' is not a whole number"]
    assert "Traceback" not in proc.stderr.decode()
    monkeypatch.setenv("AKHBAR_HEALTH_QUALITY_DROP", "2")
    with TestClient(create_app(DataDir(tmp_path / "empty")), base_url=LOCAL) as client:
        resp = client.get("/sources")
    assert resp.status_code == 503 and "AKHBAR_HEALTH_QUALITY_DROP=2 is not between 0.0 and 1.0" in resp.text
