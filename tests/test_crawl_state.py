"""The crawl's Scrapy components in-process, with Scrapy's own test crawler (``get_crawler``): the
crawl state and its transitions, the WARC archiving middleware, and the index pipeline's spool.

The subprocess crawls (test_incremental, test_faults, ...) show the whole works over loopback; these
show each component's contract with the others directly, signals and all, in milliseconds.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

import crawler.settings as project_settings
import pipelines.index
from core.config import DataDir
from crawler import keys
from crawler.archiving import WarcArchiveMiddleware
from crawler.errors import DecompressedTooLarge, Refused, RobotsForbidden, failure_kind
from crawler.fetchlog import CaptureRow, FetchLog, IndexState
from crawler.items import FetchedPage
from crawler.profiles import load_profiles
from crawler.refusals import HttpCompressionRefusals, RobotsTxtRefusals
from crawler.spiders.news import NewsSpider
from crawler.state import CrawlState
from index.base import UpsertResult
from pipelines.extract import ExtractLater
from pipelines.index import IndexPipeline
from tests.helpers import warcio_check

ROOT = Path(__file__).resolve().parent.parent
PROFILE = load_profiles([ROOT / "samples" / "sources"])["sample-watan"]
PAGE = "<html><head><meta charset='utf-8'><title>خبر</title></head><body><p>نص الخبر</p></body></html>".encode()


def _crawler(data: DataDir, **overrides) -> Crawler:
    """A crawler with the project's settings (its own extensions only: the state), on ``data``."""
    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    settings.update(data.settings())
    settings.update(EXTENSIONS={"crawler.state.CrawlState": 0}, **overrides)
    crawler = get_crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, profile=PROFILE)
    return crawler


def _open(crawler: Crawler) -> None:
    crawler.signals.send_catch_log(signal=signals.spider_opened, spider=crawler.spider)


def _close(crawler: Crawler) -> None:
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=crawler.spider, reason="finished")


def _capture(record_id: str, url: str = "http://127.0.0.1:8701/archives/1") -> CaptureRow:
    return CaptureRow(record_id=record_id, url=url, source=PROFILE.id, kind="article",
                      fetched="2026-01-01T00:00:00Z", status=200, digest="sha1:X", etag=None, last_modified=None,
                      warc_file="f.warc.gz", warc_offset=0, warc_length=10, revisit=False, refers_to=None)


def test_crawl_state_owns_the_fetch_log_from_spider_opened_to_spider_closed(tmp_path):
    data = DataDir(tmp_path).ensure()
    crawler = _crawler(data)
    state = CrawlState.of(crawler)
    assert state is crawler.get_extension(CrawlState), "one state per crawler, found through the crawler"
    with pytest.raises(RuntimeError):
        state.awaiting_index(PROFILE.id)  # not open before the spider is
    _open(crawler)
    assert state.archived(_capture("<urn:a>"), whole_article=True)
    assert not state.archived(_capture("<urn:a>"), whole_article=True), "a known record is not recorded twice"
    assert state.archived(_capture("<urn:b>", "http://127.0.0.1:8701/feed"), whole_article=False)
    assert state.archived(_capture("<urn:c>", "http://127.0.0.1:8701/archives/2"), whole_article=True)
    assert [r.record_id for r in state.awaiting_index(PROFILE.id)] == ["<urn:a>", "<urn:c>"]
    state.indexed(["<urn:a>"])
    state.nothing_to_index("<urn:c>")
    state.nothing_to_index(None)  # a response that was never archived: nothing to change
    assert state.awaiting_index(PROFILE.id) == []
    _close(crawler)
    assert crawler.stats.get_value(keys.ARCHIVE_TOTAL + "captures") == 3
    assert crawler.stats.get_value(keys.ARCHIVE_TOTAL + "indexed") == 1
    with pytest.raises(RuntimeError):
        state.latest("http://127.0.0.1:8701/archives/1")  # closed with the spider
    with FetchLog(data.fetchlog) as log:  # the path derived from AKHBAR_DATA_DIR alone
        assert [log.latest(u).indexed for u in ("http://127.0.0.1:8701/archives/1",
                                                 "http://127.0.0.1:8701/archives/2")] \
            == [IndexState.INDEXED, IndexState.NOTHING_TO_INDEX]


def _exchange(mw: WarcArchiveMiddleware, url: str, kind: str = "article", status: int = 200) -> Request:
    request = Request(url, meta={keys.KIND: kind})
    response = HtmlResponse(url, status=status, body=PAGE, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'})
    assert mw.process_response(request, response) is response
    return request


def test_archiving_middleware_writes_the_warc_and_records_each_capture_in_the_state(tmp_path):
    data = DataDir(tmp_path).ensure()
    crawler = _crawler(data)
    mw = WarcArchiveMiddleware.from_crawler(crawler)
    _open(crawler)
    state = CrawlState.of(crawler)
    first = _exchange(mw, "http://127.0.0.1:8701/archives/1")
    pointer = first.meta[keys.WARC]
    assert first.meta[keys.REVISIT] is False and first.meta[keys.FETCHED]
    assert [r.record_id for r in state.awaiting_index(PROFILE.id)] == [pointer["record_id"]]
    assert state.latest("http://127.0.0.1:8701/archives/1").etag == '"v1"'
    again = _exchange(mw, "http://127.0.0.1:8701/archives/1")  # same payload: a revisit, nothing to index
    assert again.meta[keys.REVISIT] is True
    _exchange(mw, "http://127.0.0.1:8701/feed", kind="feed")
    assert [r.record_id for r in state.awaiting_index(PROFILE.id)] == [pointer["record_id"]]
    assert crawler.stats.get_value(keys.WARC_RECORDS) == 6
    assert crawler.stats.get_value(keys.WARC_REVISITS) == 1
    _close(crawler)
    files = sorted(data.warc.glob("*.warc.gz"))
    assert [f.name for f in files] == [pointer["file"]], "WARC written under the one data directory"
    assert files[0].name.startswith(f"{PROFILE.id}-")
    assert list(data.cdx.glob("*.cdxj")) and list(data.locks.glob(f"{PROFILE.id}.lock"))
    result = warcio_check(files)
    assert result.returncode == 0, result.stdout + result.stderr


class _Backend:
    """A search backend that is down until told otherwise."""

    def __init__(self) -> None:
        self.up = False
        self.docs: list[dict] = []

    def open(self, name, data, lock_timeout, es=None):  # the signature of index.backends.open_backend
        if not self.up:
            raise ConnectionError("engine stopped")
        return self

    def upsert(self, batch: list[dict]) -> UpsertResult:
        self.docs.extend(batch)
        return UpsertResult(indexed=len(batch))

    def close(self) -> None:
        pass


def test_index_pipeline_spools_while_the_backend_is_down_and_drains_when_it_is_back(tmp_path, monkeypatch):
    data = DataDir(tmp_path).ensure()
    backend = _Backend()
    monkeypatch.setattr(pipelines.index, "open_backend", backend.open)
    crawler = _crawler(data, AKHBAR_INDEX_BATCH=2)
    pipe = IndexPipeline.from_crawler(crawler)
    _open(crawler)
    pipe.open_spider()
    state = CrawlState.of(crawler)
    articles = []
    for n in (1, 2):
        url = f"http://127.0.0.1:8701/archives/{n}"
        state.archived(_capture(f"<urn:{n}>", url), whole_article=True)
        articles.append({"url": url, "text": f"نص {n}", "warc": {"record_id": f"<urn:{n}>"}})
    for article in articles:
        pipe.process_item(article)
    spool = data.spool / f"{PROFILE.id}.jsonl"
    assert spool.exists() and len(spool.read_text(encoding="utf-8").splitlines()) == 2
    assert crawler.stats.get_value(keys.ARTICLES_SPOOLED) == 2
    assert len(state.awaiting_index(PROFILE.id)) == 2, "spooled is not indexed"
    # a page with no text: the pipeline hears of the drop and the capture leaves the catch-up queue
    state.archived(_capture("<urn:3>", "http://127.0.0.1:8701/archives/3"), whole_article=True)
    dropped = FetchedPage(url="http://127.0.0.1:8701/archives/3", source=PROFILE.id, body=b"", content_type="",
                          status=200, fetched="", warc={"record_id": "<urn:3>"})
    crawler.signals.send_catch_log(signal=signals.item_dropped, item=dropped, response=None,
                                   exception=Exception(), spider=crawler.spider)
    # a page whose extraction worker died: dropped for now, left for the next crawl's catch-up
    state.archived(_capture("<urn:4>", "http://127.0.0.1:8701/archives/4"), whole_article=True)
    later = FetchedPage(url="http://127.0.0.1:8701/archives/4", source=PROFILE.id, body=b"", content_type="",
                        status=200, fetched="", warc={"record_id": "<urn:4>"})
    crawler.signals.send_catch_log(signal=signals.item_dropped, item=later, response=None,
                                   exception=ExtractLater("worker died"), spider=crawler.spider)
    assert "<urn:4>" in [r.record_id for r in state.awaiting_index(PROFILE.id)]
    pipe.close_spider()
    assert crawler.stats.get_value(keys.SPOOL_PENDING) == 2

    backend.up = True  # the next crawl: the spool is drained before anything else
    crawler.signals.send_catch_log(signal=signals.engine_started)
    assert not spool.exists()
    assert [d["url"] for d in backend.docs] == [a["url"] for a in articles]
    assert crawler.stats.get_value(keys.SPOOL_DRAINED) == 2
    assert crawler.stats.get_value(keys.ARTICLES_NEW) == 2
    assert state.awaiting_index(PROFILE.id) == [], "drained articles are indexed; the empty page never will be"
    _close(crawler)


def test_refusals_are_classified_by_type_not_by_message(tmp_path):
    assert failure_kind(RobotsForbidden()) is None, "counted by Scrapy as robotstxt/forbidden"
    assert failure_kind(Refused("redirect_loop", "x")) is None, "counted where it was raised"
    assert failure_kind(DecompressedTooLarge("bomb")) == "too_large"
    assert failure_kind(IgnoreRequest("Forbidden by robots.txt exceeded DOWNLOAD_MAXSIZE")) == "ignored"

    crawler = _crawler(DataDir(tmp_path).ensure())
    robots = RobotsTxtRefusals.from_crawler(crawler)

    class Disallow:
        def allowed(self, url, useragent) -> bool:
            return False

    with pytest.raises(RobotsForbidden):
        robots.process_request_2(Disallow(), Request("http://127.0.0.1:8701/private"))
    compression = HttpCompressionRefusals.from_crawler(crawler)
    request = Request("http://127.0.0.1:8701/bomb", meta={"download_maxsize": 1000})
    bomb = HtmlResponse(request.url, body=gzip.compress(b"0" * 100_000), request=request,
                        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    with pytest.raises(DecompressedTooLarge):
        compression.process_response(request, bomb)


def test_on_signals_connects_by_name_and_refuses_an_unknown_one():
    from scrapy import signals
    from scrapy.utils.test import get_crawler

    from crawler.hooks import on_signals

    crawler = get_crawler()
    seen = []
    component = object()
    def started() -> None:  # held here: Scrapy's signals keep weak references to handlers
        seen.append("started")

    assert on_signals(crawler, component, engine_started=started) is component
    crawler.signals.send_catch_log(signals.engine_started)
    assert seen == ["started"]
    with pytest.raises(ValueError, match="no Scrapy signal named 'spider_openned'"):
        on_signals(crawler, component, spider_openned=lambda: None)
