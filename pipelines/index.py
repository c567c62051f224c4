"""Item pipeline that sends extracted articles to the search backend in batches.

Batching keeps SQLite transactions (and, later, Elasticsearch bulk requests) few and large; the batch
is flushed when the spider closes so nothing extracted is left out.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler

from akhbar.config import DataDir
from akhbar.record import Article
from index.backends import open_backend
from index.base import SearchBackend

logger = logging.getLogger(__name__)


class IndexPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.batch_size = crawler.settings.getint("AKHBAR_INDEX_BATCH", 50)
        self.backend_name = crawler.settings.get("AKHBAR_BACKEND", "embedded")
        self.data = DataDir(Path(crawler.settings.get("AKHBAR_DATA_DIR")))
        self.backend: SearchBackend | None = None
        self.pending: list[Article] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider) -> None:
        self.backend = open_backend(self.backend_name, self.data)

    def process_item(self, item: Article, spider: Spider) -> Article:
        if isinstance(item, dict) and item.get("text"):
            self.pending.append(item)
            if len(self.pending) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        if not self.pending or self.backend is None:
            return
        batch, self.pending = self.pending, []
        try:
            result = self.backend.upsert(batch)
        except Exception:
            self.stats.inc_value("akhbar/errors/index_failed", len(batch))
            logger.exception("indexing a batch of %d articles failed; run `akhbar reindex`", len(batch))
            return
        self.stats.inc_value("akhbar/articles_new", result.indexed)
        self.stats.inc_value("akhbar/articles_updated", result.updated)
        self.stats.inc_value("akhbar/articles_unchanged", result.unchanged)
        for url, reason in result.failed:
            self.stats.inc_value("akhbar/errors/index_failed")
            logger.error("not indexed: %s: %s", url, reason)

    def close_spider(self, spider: Spider) -> None:
        self.flush()
        if self.backend is not None:
            self.backend.close()
            self.backend = None
