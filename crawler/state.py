"""The crawl's persistent state and its one owner: the fetch log, opened and closed with the spider.

``CrawlState`` is a Scrapy extension (enabled in ``crawler/settings.py``), in the way Scrapy's own
``SpiderState`` keeps a job's state: built from the crawler, opened on ``spider_opened``, closed on
``spider_closed``. Scrapy builds extensions before the engine, so the state exists (and its
``spider_opened`` handler is connected first) before any downloader middleware, spider or item
pipeline looks for it. Components find it with :meth:`CrawlState.of` (``crawler.get_extension``),
never through the spider.

Every change a component makes to a capture's standing goes through a named transition —
:meth:`archived`, :meth:`indexed`, :meth:`nothing_to_index` — so the rule for each
:class:`~crawler.fetchlog.IndexState` lives here and nowhere else:

- a capture starts ``AWAITING`` indexing only if it is a whole article page (kind ``article``, HTTP
  200, a full record rather than a revisit, its body not truncated); everything else starts as
  ``NOTHING_TO_INDEX``;
- the index pipeline moves it to ``INDEXED`` once the backend accepted the article;
- anyone who learns that an awaiting capture holds no article (not HTML, no text, a redirect stub,
  refused after archiving) moves it to ``NOTHING_TO_INDEX``, so catch-up leaves it alone.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from scrapy.crawler import Crawler

from core.config import DataDir
from crawler import keys
from crawler.fetchlog import CaptureRow, FetchLog, IndexState
from crawler.hooks import on_signals, stop_crawl

logger = logging.getLogger(__name__)


class CrawlState:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = DataDir.from_settings(crawler.settings).fetchlog
        self._log: FetchLog | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlState:
        state = cls(crawler)
        return on_signals(crawler, state, spider_opened=state.open, spider_closed=state.close)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlState:
        """The crawler's state (for a component's ``from_crawler`` or later)."""
        state = crawler.get_extension(cls)
        if state is None:
            raise RuntimeError("the crawler.state.CrawlState extension is not enabled (EXTENSIONS setting)")
        return state

    # -- lifecycle ------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the fetch log; if it cannot be (unreadable, disk full, not a database), the crawl
        stops with that error rather than fail every request it takes."""
        if self._log is not None:
            return
        try:
            self._log = FetchLog(self.path)
        except (sqlite3.Error, OSError) as exc:
            message = f"the fetch log {self.path} cannot be opened ({exc})"
            logger.error("%s; stopping the crawl", message)
            self.crawler.stats.inc_value(keys.error("fetchlog_open"))
            stop_crawl(self.crawler, "fetchlog_error", message)

    def close(self) -> None:
        """Put the whole log's totals into the stats (the report's archive_total), then close it."""
        if self._log is None:
            return
        for key, value in self._log.counts().items():
            self.crawler.stats.set_value(keys.ARCHIVE_TOTAL + key, value)
        self._log.close()
        self._log = None

    @property
    def log(self) -> FetchLog:
        if self._log is None:
            raise RuntimeError("the crawl state is used before the spider opened or after it closed")
        return self._log

    # -- what is known ----------------------------------------------------------------------------
    def fetched_within(self, url: str, seconds: float) -> bool:
        """Whether ``url`` was archived (2xx/3xx) less than ``seconds`` ago: not fetched again."""
        return self.log.fetched_within(url, seconds)

    def latest(self, url: str) -> CaptureRow | None:
        """The newest 200/304 capture of ``url``: its validators and digest."""
        return self.log.latest(url)

    def original(self, url: str, digest: str) -> CaptureRow | None:
        """The full capture of ``url`` with this payload, which a revisit record refers to."""
        return self.log.original(url, digest)

    def awaiting_index(self, source: str) -> list[CaptureRow]:
        """Article captures of ``source`` archived but not indexed (a crawl was killed in between)."""
        return self.log.pending_index(source)

    # -- transitions ----------------------------------------------------------------------------
    def archived(self, capture: CaptureRow, *, whole_article: bool) -> bool:
        """A capture reached the WARC file. ``whole_article``: it holds a complete article page
        (see the module docstring), so it awaits indexing; anything else has nothing to index.
        Returns False when the record was already known (a recovered file scanned again)."""
        standing = IndexState.AWAITING if whole_article else IndexState.NOTHING_TO_INDEX
        return self.log.record(replace(capture, indexed=standing))

    def indexed(self, record_ids: list[str]) -> None:
        """The search backend accepted the articles of these captures."""
        self.log.set_index_state(record_ids, IndexState.INDEXED)

    def nothing_to_index(self, record_id: str | None) -> None:
        """This capture holds no article after all: catch-up must not extract it later."""
        if record_id:
            self.log.set_index_state([record_id], IndexState.NOTHING_TO_INDEX)
