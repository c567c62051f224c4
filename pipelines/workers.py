"""Extraction off the crawl's reactor: the costly half of capture → article in worker processes.

Parsing a page (trafilatura, the metadata readers, the rule-based cleanup) is pure CPU and holds the
GIL, so on the reactor thread it stalls downloading and uses one core however many the machine has.
``ExtractionPool`` runs :func:`pipelines.capture.parsed_capture` in a ``ProcessPoolExecutor`` and
hands back the plain-data ``ParsedPage``; what needs the crawl's state (counting the page into the
site's learned boilerplate, the record with it dropped) stays in the crawl process
(:func:`pipelines.capture.learned_article`).

Workers come from a ``forkserver`` that has imported the extraction modules once, so a new worker
starts in milliseconds without inheriting the reactor's threads and sockets. ``workers=0`` parses in
the calling process (what a single-core machine or a debugger wants). Items in flight are bounded by
Scrapy itself (``CONCURRENT_ITEMS`` and the scraper's ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial

from scrapy.exceptions import DropItem

from crawler.profiles import SourceProfile
from pipelines.capture import parsed_capture
from pipelines.page import ParsedPage

_PRELOAD = ["pipelines.capture"]
DEFAULT_TIMEOUT = 60.0  # seconds one page may take in a worker before the worker is killed
logger = logging.getLogger(__name__)


class WorkerFailed(Exception):
    """A worker died or hung on a page. The page's capture is in the WARC all the same and stays
    awaiting indexing, so the next crawl's catch-up extracts it again."""


class ExtractLater(DropItem):
    """Dropped for now, not for good: the index pipeline leaves the capture awaiting indexing."""


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class ExtractionPool:
    """Parses captures in ``workers`` processes (started on first use, stopped by ``close``).

    A worker that dies (a crash in a parser, the OOM killer) breaks its pool, and one that takes
    longer than ``timeout`` seconds is killed with its pool: either way the pages in flight raise
    :class:`WorkerFailed` and the next page gets a fresh pool, so a bad page never stalls the crawl.
    ``target`` is what a worker runs (``parsed_capture`` or a function of the same signature)."""

    def __init__(self, workers: int, timeout: float = DEFAULT_TIMEOUT,
                 target: Callable[..., ParsedPage] | None = None) -> None:
        self.workers = max(0, workers)
        self.timeout = timeout
        self.target = target or parsed_capture
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    async def parse(self, body: bytes, url: str, profile: SourceProfile | None, *, content_type: str | None,
                    fetched: str | datetime | None) -> ParsedPage:
        """``parsed_capture`` in a worker (raises what it raises, ``NotAnArticle`` included)."""
        task = partial(self.target, body, url, profile, content_type=content_type, fetched=fetched)
        if not self.workers:
            return task()
        pool = self._executor()
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(pool, task), self.timeout)
        except BrokenProcessPool as exc:
            self._discard(pool, kill=False)
            raise WorkerFailed(f"an extraction worker died while parsing {url}") from exc
        except TimeoutError as exc:
            self._discard(pool, kill=True)
            raise WorkerFailed(f"parsing {url} took over {self.timeout:g} s; its worker was stopped") from exc

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        """Forget a broken or hung pool (the next page starts a new one); a hung one's workers are
        killed, as a pool cannot cancel a task that has started."""
        if self._pool is pool:
            self._pool = None
        if kill:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

