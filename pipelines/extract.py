"""The crawl's extraction step: ``FetchedPage`` → ``Article``, for Scrapy.

What a capture becomes is decided in ``pipelines.capture.article_from_capture`` (the same function
reindex, ``akhbar extract`` and the evaluation call); this module only adds what the crawl alone
does: learned boilerplate kept in the data directory, counters, and ``DropItem`` for pages that
hold no article (the capture stays in the WARC).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from core.config import DataDir
from core.record import Article
from crawler import keys
from crawler.items import FetchedPage
from crawler.profiles import profile_of
from index.fields import precomputed_terms
from pipelines.boilerplate_learning import BoilerplateStore
from pipelines.capture import NotAnArticle, learned_article
from pipelines.quality import shortcomings
from pipelines.workers import ExtractionPool, WorkerFailed

logger = logging.getLogger(__name__)


class ExtractLater(DropItem):
    """Dropped for now, not for good: the index pipeline leaves the capture awaiting indexing."""


class ExtractPipeline:
    """FetchedPage -> Article. Failures are logged and counted; the capture stays in the WARC.

    Each page is first counted into the site's learned boilerplate (``state/boilerplate/``), then
    cleaned with what has been learned so far; the state is saved when the spider closes.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = BoilerplateStore(DataDir.from_settings(crawler.settings).boilerplate)
        self.pool = ExtractionPool.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def close_spider(self) -> None:
        self.pool.close()
        if self.store is not None:
            try:
                self.store.save()
            except OSError as exc:
                logger.warning("could not save learned boilerplate: %s", exc)

    async def process_item(self, item: FetchedPage) -> Article:
        """Parsed in a worker process (``AKHBAR_EXTRACT_WORKERS``, ``pipelines.workers``) while the
        reactor goes on downloading; counted into the site's boilerplate and finished here."""
        if not isinstance(item, FetchedPage):
            return item
        profile = profile_of(self.crawler.spider)
        learned = self.store.get(profile.id) if self.store is not None and profile is not None else None
        try:
            page = await self.pool.parse(item.body, item.url, profile, content_type=item.content_type,
                                         fetched=item.fetched, learned=learned.snapshot() if learned else None)
            article = learned_article(page, learned, learn=True)
            if page.terms is not None and precomputed_terms(article) is None:  # learned more meanwhile
                self.stats.inc_value(keys.TERMS_AGAIN)
                article = await self._terms(article)
        except WorkerFailed as exc:
            self.stats.inc_value(keys.error("extract_worker"))
            logger.warning("%s (archived; the next crawl extracts it again)", exc)
            raise ExtractLater(str(exc)) from exc
        except NotAnArticle as exc:
            self.stats.inc_value(keys.error("no_article_text"))
            logger.warning("%s", exc)
            raise DropItem(str(exc)) from exc
        except Exception as exc:
            self.stats.inc_value(keys.error("extract_failed"))
            logger.exception("extraction failed for %s", item.url)
            raise DropItem(f"extraction failed for {item.url}: {exc}") from exc
        article["warc"] = item.warc
        self.stats.inc_value(keys.ARTICLES_EXTRACTED)
        for lack in shortcomings(article):  # source health compares these per crawl (akhbar.health)
            self.stats.inc_value(keys.EXTRACTED + lack)
        return article

    async def _terms(self, article: Article) -> Article:
        """The shortened record's terms from a worker; if that worker fails, the index computes
        them here as it would without workers (the record itself is whole)."""
        try:
            return await self.pool.terms(article)
        except Exception as exc:  # noqa: BLE001 - a worker's failure costs time, not the article
            logger.warning("index terms for %s left to the index: %s", article.get("url"), exc)
            return article
