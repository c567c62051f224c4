"""Item pipeline that sends extracted articles to the search backend in batches, durably.

- Batches keep SQLite transactions (and Elasticsearch bulk requests) few and large; the last batch is
  flushed when the spider closes.
- If the backend is down (engine stopped, database locked), the batch is appended to a spool file
  (``state/spool/SOURCE.jsonl``, fsynced) and retried at every later flush and at the next crawl:
  nothing extracted is lost, and the crawl report counts spooled and drained articles.
- Each indexed capture is marked in the fetch log; captures archived but never indexed (a crawl killed
  before its batch was flushed) are extracted again from the WARC when the next crawl of that source
  opens, so every archived article ends up in the index exactly once (upserts are idempotent).
- ``akhbar check-live``'s readings of pages (``LiveCheck``) are recorded on their articles in
  batches too (``set_liveness``). They are not spooled: the WARC records are the evidence, and the
  next check-live or ``akhbar reindex`` records them again; one that cannot be recorded is counted.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler

from core.archive import payload, read_record
from core.config import DataDir
from core.record import Article
from crawler import keys
from crawler.hooks import on_signals
from crawler.items import FetchedPage, LiveCheck
from crawler.profiles import SourceProfile, profile_of, source_id
from crawler.state import CrawlState
from index.backends import BackendConfig, open_backend
from index.base import SearchBackend
from index.liveness import LiveState
from pipelines.boilerplate_learning import BoilerplateStore, LearnedLines
from pipelines.capture import learned_article
from pipelines.extract import ExtractLater
from pipelines.workers import ExtractionPool, Job, WorkerFailed

logger = logging.getLogger(__name__)


class IndexPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = crawler.settings.getint("AKHBAR_INDEX_BATCH", 50)
        config = BackendConfig.from_settings(crawler.settings)
        self.backend_name, self.es = config.name, config.es
        self.lock_timeout = crawler.settings.getfloat("AKHBAR_INDEX_LOCK_TIMEOUT", 30.0)
        self.data = DataDir.from_settings(crawler.settings)
        self.spool_dir = self.data.spool
        self.state = CrawlState.of(crawler)
        self.backend: SearchBackend | None = None
        self.pending: list[Article] = []
        self.readings: dict[str, LiveState] = {}  # url -> what check-live found the page to be
        self.spider: Spider | None = None
        self.outage = False  # the backend is known to be down: said once, not again for every batch

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexPipeline:
        pipe = cls(crawler)
        return on_signals(crawler, pipe, item_dropped=pipe.item_dropped, engine_started=pipe.engine_started)

    # -- lifecycle ------------------------------------------------------------------------------
    def open_spider(self) -> None:
        # No connection yet: it is made when there is something to index (engine_started at the
        # earliest), once the crawl's console log is set up to report an outage in one line.
        self.spider = self.crawler.spider

    def engine_started(self) -> None:
        """Finish earlier work once every component has opened: stats are open (their counters would
        be reset otherwise) and the WARC middleware has reconciled recovered files into the crawl
        state, so catch-up sees every capture a killed crawl left unindexed — whatever order Scrapy
        builds components or sends ``spider_opened`` in."""
        if self.crawler.stats.get_value(keys.FATAL):
            return  # the crawl is stopping on an error (the fetch log unusable, say): nothing to catch up with
        if self._drain_spool():
            self._catch_up(self.crawler.spider)
        # else: the backend is still down and what waits is already in the spool — extracting the
        # unindexed captures again would only append second copies of them

    def close_spider(self) -> None:
        self.flush()
        self._drain_spool()
        self._record_readings()
        left = self._spooled_count()
        self.stats.set_value(keys.SPOOL_PENDING, left)
        if left:
            logger.warning("%d article(s) wait in %s for the search backend; the next crawl or "
                           "`akhbar reindex` will index them", left, self._spool_path())
        if self.backend is not None:
            self.backend.close()
            self.backend = None

    def _connect(self) -> bool:
        if self.backend is not None:
            return True
        try:
            self.backend = open_backend(self.backend_name, self.data, lock_timeout=self.lock_timeout,
                                        es=self.es)
        except Exception as exc:  # noqa: BLE001 - an unreachable engine must not stop archiving
            self._down(f"search backend {self.backend_name} unavailable: {exc}")
            return False
        if self.outage:
            self.outage = False
            logger.warning("search backend %s is back; indexing again", self.backend_name)
        return True

    def _down(self, message: str) -> None:
        """One line per outage (not one per batch): later failures of the same outage go to DEBUG."""
        self.stats.inc_value(keys.INDEX_FAILURES)
        if self.outage:
            logger.debug("%s (outage already reported)", message)
            return
        self.outage = True
        logger.error("%s; articles are spooled to %s until it answers again", message, self._spool_path())

    # -- items ----------------------------------------------------------------------------------
    def process_item(self, item: Article | LiveCheck) -> Article | LiveCheck:
        if isinstance(item, LiveCheck):
            self.readings[item.url] = item.state
            if len(self.readings) >= self.batch_size:
                self._record_readings()
            return item
        if isinstance(item, dict) and item.get("text"):
            self.pending.append(item)
            if len(self.pending) >= self.batch_size:
                self.flush()
        return item

    def item_dropped(self, item, response, exception, spider: Spider) -> None:
        """An article page with nothing to index (no text): so catch-up does not retry it — unless
        extraction only failed for now (a worker died or hung), when catch-up is what retries it."""
        if isinstance(item, FetchedPage) and not isinstance(exception, ExtractLater):
            self.state.nothing_to_index(item.warc.get("record_id"))

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        if self._drain_spool() and self._upsert(batch):
            return
        self._spool(batch)

    def _upsert(self, batch: list[Article]) -> bool:
        if not self._connect():
            return False
        try:
            result = self.backend.upsert(batch)
        except Exception as exc:  # noqa: BLE001 - any backend failure: spool and retry later
            self._down(f"search backend failed on a batch of {len(batch)}: {exc}")
            self.stats.inc_value(keys.error("index_unavailable"))
            try:
                self.backend.close()
            finally:
                self.backend = None
            return False
        self.stats.inc_value(keys.ARTICLES_NEW, result.indexed)
        self.stats.inc_value(keys.ARTICLES_UPDATED, result.updated)
        self.stats.inc_value(keys.ARTICLES_UNCHANGED, result.unchanged)
        failed = {url for url, _ in result.failed}
        for url, reason in result.failed:
            self.stats.inc_value(keys.error("index_rejected"))
            logger.error("not indexed: %s: %s", url, reason)
        self.state.indexed([a["warc"]["record_id"] for a in batch
                            if a.get("warc", {}).get("record_id") and a.get("url") not in failed])
        return True

    def _record_readings(self) -> None:
        if not self.readings:
            return
        readings, self.readings = self.readings, {}
        try:
            if not self._connect():
                raise RuntimeError(f"search backend {self.backend_name} unavailable")
            recorded = self.backend.set_liveness(readings)
        except Exception as exc:  # noqa: BLE001 - the archive holds the evidence; reindex records it
            self.stats.inc_value(keys.error("liveness_unrecorded"), len(readings))
            logger.error("what check-live found for %d page(s) is archived but not recorded in the index (%s); "
                         "the next check-live or `akhbar reindex` records it", len(readings), exc)
            return
        self.stats.inc_value(keys.liveness("recorded"), recorded)

    # -- spool ----------------------------------------------------------------------------------
    def _spool_path(self) -> Path:
        return self.spool_dir / f"{source_id(self.spider, 'akhbar')}.jsonl"

    @contextmanager
    def _spool_locked(self) -> Iterator[None]:
        """Workers of a distributed crawl on one host share the source's spool: appending and
        draining take turns (a drain's upsert and unlink must not lose a line appended meanwhile)."""
        path = self._spool_path().with_suffix(".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield

    def _spool(self, batch: list[Article]) -> None:
        with self._spool_locked():
            self._append(batch)

    def _append(self, batch: list[Article]) -> None:
        path = self._spool_path()
        with open(path, "a", encoding="utf-8") as fh:
            for article in batch:
                fh.write(json.dumps(article, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.stats.inc_value(keys.ARTICLES_SPOOLED, len(batch))
        logger.debug("spooled %d article(s) to %s until the search backend is back", len(batch), path)

    def _spooled_count(self) -> int:
        path = self._spool_path()
        if not path.exists():
            return 0
        with open(path, encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())

    def _drain_spool(self) -> bool:
        """Index what waits in the spool; True when the spool is empty afterwards."""
        if not self._spool_path().exists():
            return True
        with self._spool_locked():
            return self._drain()

    def _drain(self) -> bool:
        path = self._spool_path()
        if not path.exists():
            return True
        articles = []
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    articles.append(json.loads(line))
                except ValueError:  # a torn last line from a kill mid-append: the WARC still has it
                    self.stats.inc_value(keys.error("spool_torn_line"))
                    logger.warning("%s:%d: unreadable spool line skipped (catch-up re-extracts it)", path, n)
        if articles and not self._upsert(articles):
            return False
        path.unlink()
        self.stats.inc_value(keys.SPOOL_DRAINED, len(articles))
        return True

    # -- catch-up -------------------------------------------------------------------------------
    def _catch_up(self, spider: Spider) -> None:
        """Index articles that were archived but never indexed (the crawl was killed in between),
        parsed by the crawl's extraction workers and indexed a batch at a time, so a long backlog
        uses every core and holds no more than a batch in memory."""
        profile = profile_of(spider)
        if profile is None:
            return
        learned = BoilerplateStore(self.data.boilerplate).get(profile.id)
        pool = ExtractionPool.from_settings(self.crawler.settings)
        caught_up = 0
        try:
            for job, parsed in pool.parse_many(self._awaiting_jobs(profile, learned.snapshot())):
                row = job.context
                try:
                    if isinstance(parsed, Exception):
                        raise parsed
                    article = learned_article(parsed, learned)
                except WorkerFailed as exc:  # left awaiting: the next crawl tries again
                    self.stats.inc_value(keys.error("extract_worker"))
                    logger.warning("catch-up: %s", exc)
                    continue
                except Exception as exc:  # noqa: BLE001 - NotAnArticle or a parser's error: not indexable
                    logger.warning("catch-up: %s not indexable: %s", row.url, exc)
                    self.state.nothing_to_index(row.record_id)
                    continue
                article["warc"] = row.pointer
                if not caught_up:
                    logger.warning("catch-up: indexing archived articles a previous crawl left unindexed")
                caught_up += 1
                self.pending.append(article)
                if len(self.pending) >= self.batch_size:
                    self.flush()
        finally:
            pool.close()
        if caught_up:
            self.stats.inc_value(keys.ARTICLES_CAUGHT_UP, caught_up)
            logger.warning("catch-up: %d archived article(s) indexed", caught_up)
            self.flush()

    def _awaiting_jobs(self, profile: SourceProfile, learned: LearnedLines) -> Iterator[Job]:
        """The archived captures of ``profile`` awaiting indexing, read from their WARC records."""
        for row in self.state.awaiting_index(profile.id):
            if (self.data.warc / f"{row.warc_file}.open").exists():
                continue  # still being written by a running worker of a distributed crawl, which indexes it
            try:
                with read_record(self.data, row.warc_file, row.warc_offset) as record:
                    body = payload(record)
                    ctype = record.http_headers.get_header("Content-Type") or ""
            except (OSError, StopIteration, ValueError) as exc:
                logger.warning("catch-up: %s not readable from the archive: %s", row.url, exc)
                self.state.nothing_to_index(row.record_id)
                continue
            yield Job(body, row.url, profile, ctype, row.fetched, context=row, learned=learned)
