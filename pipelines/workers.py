"""Extraction off the crawl's reactor: the costly half of capture → article in worker processes.

Parsing a page (trafilatura, the metadata readers, the rule-based cleanup) is pure CPU and holds the
GIL, so on the reactor thread it stalls downloading and uses one core however many the machine has.
``ExtractionPool`` runs :func:`pipelines.capture.analyzed_capture` (the parse and the index terms)
in a ``ProcessPoolExecutor`` and hands back the plain-data ``ParsedPage``; what needs the crawl's
state (counting the page into the site's learned boilerplate, the record with it dropped) stays in
the crawl process (:func:`pipelines.capture.learned_article`).

Workers come from a ``forkserver`` that has imported the extraction modules once, so a new worker
starts in milliseconds without inheriting the reactor's threads and sockets. ``start`` launches the
forkserver and the workers from a thread as soon as the crawl is set up, so the half second the
forkserver spends importing trafilatura overlaps the crawl's own start instead of stalling the
reactor on the first page. ``workers=0`` parses in the calling process (what a single-core machine
or a debugger wants). Items in flight are bounded by Scrapy itself (``CONCURRENT_ITEMS`` and the
scraper's ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``).

One crawl process runs one spider per source (``akhbar crawl --all``); they share one pool
(:meth:`ExtractionPool.shared`), since the cores are the machine's, not a source's.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from core.record import Article
from crawler.profiles import SourceProfile
from index.fields import AnalyzedArticle, precomputed_terms
from pipelines.boilerplate_learning import LearnedLines
from pipelines.capture import analyzed_capture, article_terms
from pipelines.page import ParsedPage

# datasketch (numpy, scipy) for the story sketches: imported once in the forkserver, shared by the workers.
_PRELOAD = ["pipelines.capture", "datasketch", "pipelines.worker_boot"]
# A page small enough to cost nothing and whole enough to take trafilatura's and our own first-call
# set-up (its fallbacks, the date readers' caches) out of the first real page's time.
_WARM_UP_PAGE = ("<html lang=ar><head><title>تجربة</title></head><body><article><h1>تجربة</h1>"
                 + "<p>هذه فقرة تجريبية لتهيئة أدوات الاستخراج قبل أول صفحة حقيقية.</p>" * 5
                 + "</article></body></html>").encode()
DEFAULT_TIMEOUT = 60.0  # seconds one page may take in a worker before the worker is killed
logger = logging.getLogger(__name__)


class WorkerFailed(Exception):
    """A worker died or hung on a page. The page's capture is in the WARC all the same and stays
    awaiting indexing, so the next crawl's catch-up extracts it again."""



@dataclass(frozen=True)
class Job:
    """One capture to parse (``parse_many``), with what the caller needs back beside the result."""

    body: bytes
    url: str
    profile: SourceProfile | None
    content_type: str | None
    fetched: str | datetime | None = None
    context: object = None  # the caller's (a WARC pointer, a fetch-log row): handed back untouched
    learned: LearnedLines | None = None  # the site's learned boilerplate, for terms that fit the final text


def _exit_with(pid: int) -> None:
    """Runs in each worker as it starts: end the worker when the process that made the pool ends,
    however it ends. A pool's workers wait for work on a queue they hold both ends of, so a crawl
    killed with SIGKILL would leave them (and through them the forkserver) waiting forever."""
    try:
        handle: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux 5.3 or later: look every second instead
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])  # a pidfd turns readable when its process has ended
        else:
            while True:
                time.sleep(1.0)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    continue
        os._exit(1)

    threading.Thread(target=watch, name="akhbar-watch-parent", daemon=True).start()


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
    ``target`` is what a worker runs (``analyzed_capture`` or a function of the same signature)."""

    def __init__(self, workers: int, timeout: float = DEFAULT_TIMEOUT,
                 target: Callable[..., ParsedPage] | None = None) -> None:
        self.workers = max(0, workers)
        self.timeout = timeout
        self.target = target or analyzed_capture
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future | None = None  # the workers of the present pool are up (see start)
        self._users = 0  # crawls sharing this pool (``shared``)

    # One pool per process and configuration, shared by the crawls of one ``akhbar crawl``.
    _shared: ClassVar[dict[tuple[int, float], ExtractionPool]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, workers: int, timeout: float = DEFAULT_TIMEOUT) -> ExtractionPool:
        """The process's pool of this size, started; each ``shared`` call is paired with one
        ``close``, and the last ``close`` stops the workers."""
        with cls._shared_lock:
            pool = cls._shared.setdefault((workers, timeout), cls(workers, timeout))
            pool._users += 1
        pool.start()
        return pool

    @classmethod
    def from_settings(cls, settings: object) -> ExtractionPool:
        """The shared pool sized by ``AKHBAR_EXTRACT_WORKERS`` (unset: one per core; 0: in process)
        and ``AKHBAR_EXTRACT_TIMEOUT`` — Scrapy settings or any mapping (the environment)."""
        get = settings.get  # type: ignore[attr-defined]
        workers, timeout = get("AKHBAR_EXTRACT_WORKERS"), get("AKHBAR_EXTRACT_TIMEOUT")
        return cls.shared(default_workers() if workers in (None, "") else int(workers),
                          DEFAULT_TIMEOUT if timeout in (None, "") else float(timeout))

    def start(self) -> None:
        """Launch the forkserver and the workers now, off the calling thread (which goes on setting
        up the crawl); the first ``parse`` waits for them without blocking the event loop."""
        if self.workers and self._pool is None:
            self._ready = self._spawn(self._executor())

    def _spawn(self, pool: ProcessPoolExecutor) -> Future:
        """Start ``pool``'s workers from a thread: each warm-up task submitted to a pool with no idle
        worker starts one (``ProcessPoolExecutor`` starts workers on demand). A daemon thread, not a
        thread pool's: a crawl that closes before its workers are up (refused at once, say) must
        not wait at exit for warm-ups a shut-down pool will never run."""
        ready: Future = Future()

        def warm() -> None:
            try:
                wait([pool.submit(self.target, _WARM_UP_PAGE, "http://localhost/warm-up", None,
                                  content_type="text/html", fetched=None) for _ in range(self.workers)],
                     timeout=self.timeout)
            except Exception:  # noqa: BLE001 - the pool was shut down or broke meanwhile: nothing to warm
                pass
            finally:
                ready.set_result(None)

        threading.Thread(target=warm, name="akhbar-extract-start", daemon=True).start()
        return ready

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_exit_with,
                                             initargs=(os.getpid(),))
            self._ready = None
        return self._pool

    async def parse(self, body: bytes, url: str, profile: SourceProfile | None, *, content_type: str | None,
                    fetched: str | datetime | None, learned: LearnedLines | None = None) -> ParsedPage:
        """``analyzed_capture`` in a worker (raises what it raises, ``NotAnArticle`` included)."""
        return await self._run(self._task(Job(body, url, profile, content_type, fetched, learned=learned)), url)

    async def terms(self, article: Article) -> Article:
        """The record with its index terms and story sketch made in a worker: for a record whose
        text the crawl's learned boilerplate shortened after the worker analyzed it (the terms it
        carries no longer fit). Left to the index to compute, they would cost the crawl process a
        text analysis — on a site whose template lines were learned, nearly every page's."""
        if not self.workers:
            return article  # the index computes them, in this same process
        terms = await self._run(partial(article_terms, dict(article)), article.get("url") or "")
        return AnalyzedArticle(article, terms)

    def terms_many(self, articles: list[Article]) -> list[Article]:
        """:meth:`terms` for a batch, waited for (``akhbar reindex``): the records whose carried terms
        no longer fit analyzed in the workers at once. A record whose worker fails is left as it is
        (the index computes its terms)."""
        stale = [n for n, a in enumerate(articles) if precomputed_terms(a) is None]
        if not self.workers or not stale:
            return articles
        out = list(articles)
        pool = self._current()
        futures = [(n, self._submit_to(pool, partial(article_terms, dict(out[n])), out[n].get("url") or ""))
                   for n in stale]
        for n, future in futures:
            if isinstance(future, WorkerFailed):
                continue
            try:
                out[n] = AnalyzedArticle(out[n], future.result(timeout=self.timeout))
            except FutureTimeout:
                self._discard(pool, kill=True)
            except (BrokenProcessPool, CancelledError):
                self._discard(pool, kill=False)
            except Exception:  # left to the index, which computes the same terms
                logger.warning("index terms for %s left to the index", out[n].get("url"), exc_info=True)
        return out

    async def _run(self, task: partial, url: str) -> Any:
        """``task`` in a worker, awaited without blocking the event loop; a dead or hung worker
        raises :class:`WorkerFailed`."""
        if not self.workers:
            return task()
        pool = self._current()
        if self._ready is not None and not self._ready.done():
            await asyncio.wrap_future(self._ready)  # its workers are starting (see start)
        future = self._submit_to(pool, task, url)
        if isinstance(future, WorkerFailed):
            raise future
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except BrokenProcessPool as exc:
            self._discard(pool, kill=False)
            raise WorkerFailed(f"an extraction worker died while parsing {url}") from exc
        except TimeoutError as exc:
            self._discard(pool, kill=True)
            raise WorkerFailed(f"parsing {url} took over {self.timeout:g} s; its worker was stopped") from exc
        except asyncio.CancelledError as exc:
            task_ = asyncio.current_task()
            if future.cancelled() and not (task_ is not None and task_.cancelling()):
                # still queued when another page's hung worker took the pool down with it
                raise WorkerFailed(f"{url} was waiting for a worker that was stopped") from exc
            raise

    def parse_many(self, jobs: Iterable[Job], window: int = 0) -> Iterator[tuple[Job, ParsedPage | Exception]]:
        """Each job with its ``ParsedPage`` or the exception its parse raised (``NotAnArticle``,
        ``WorkerFailed``, a parser's own error), in input order, with at most ``window`` jobs in
        flight (default: 32 per worker, so none idles while the caller stores a batch) so memory
        stays flat however many captures there are — the batch form of :meth:`parse` for
        ``akhbar reindex`` and the crawl's catch-up."""
        if not self.workers:
            for job in jobs:
                try:
                    yield job, self._task(job)()
                except Exception as exc:  # noqa: BLE001 - handed to the caller, which counts it
                    yield job, exc
            return
        window = window or 32 * self.workers
        flight: deque[tuple[Job, Future | WorkerFailed, ProcessPoolExecutor | None]] = deque()
        for job in jobs:
            flight.append((job, *self._submit(job)))
            if len(flight) >= window:
                yield self._collect(*flight.popleft())
        while flight:
            yield self._collect(*flight.popleft())

    def _task(self, job: Job) -> partial[ParsedPage]:
        """What a worker (or this process, with ``workers=0``) runs for ``job``."""
        extra = {"learned": job.learned} if job.learned is not None else {}
        return partial(self.target, job.body, job.url, job.profile, content_type=job.content_type,
                       fetched=job.fetched, **extra)

    def _current(self) -> ProcessPoolExecutor:
        """The pool to submit to, started (a fresh one after a broken one)."""
        if self._pool is None:
            self.start()
        return self._executor()

    def _submit_to(self, pool: ProcessPoolExecutor, task: partial, url: str) -> Future | WorkerFailed:
        try:
            return pool.submit(task)
        except (BrokenProcessPool, RuntimeError) as exc:  # broken, or shut down after another page's failure
            self._discard(pool, kill=False)
            return WorkerFailed(f"no extraction worker could take {url}: {exc}")

    def _submit(self, job: Job, *, again: bool = True) -> tuple[Future | WorkerFailed, ProcessPoolExecutor | None]:
        """Submit to the present pool (a fresh one if that one is broken), with the pool it went to."""
        pool = self._current()
        future = self._submit_to(pool, self._task(job), job.url)
        if isinstance(future, WorkerFailed):
            return self._submit(job, again=False) if again else (future, None)
        return future, pool

    def _collect(self, job: Job, future: Future | WorkerFailed, pool: ProcessPoolExecutor | None, *,
                 again: bool = True) -> tuple[Job, ParsedPage | Exception]:
        """The result of the oldest job in flight; its timeout runs from when it is waited for, so
        a slow page ahead of it does not eat into its time. A worker that dies takes the pages in
        flight with it: each is tried once more, alone, in a fresh pool, so only the page that
        kills a worker twice is handed back as WorkerFailed — a reindex has no later catch-up."""
        if isinstance(future, WorkerFailed):
            return job, future
        try:
            return job, future.result(timeout=self.timeout)
        except FutureTimeout:  # this page hung (the ones behind it had not started their clocks)
            self._discard(pool, kill=True)
            return job, WorkerFailed(f"parsing {job.url} took over {self.timeout:g} s; its worker was stopped")
        except (BrokenProcessPool, CancelledError):
            if pool is not None:
                self._discard(pool, kill=False)
            if again:
                retry, fresh = self._submit(job)
                return self._collect(job, retry, fresh, again=False)
            return job, WorkerFailed(f"an extraction worker died while parsing {job.url}")
        except Exception as exc:  # noqa: BLE001 - the parse's own exception, for the caller to count
            return job, exc

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        """Forget a broken or hung pool (the next page starts a new one); a hung one's workers are
        killed, as a pool cannot cancel a task that has started."""
        if self._pool is pool:
            self._pool = None
        if kill:
            for process in list((getattr(pool, "_processes", None) or {}).values()):  # None once shut down
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (for a shared pool: once the last crawl using it closes)."""
        with self._shared_lock:
            if self._users > 1:
                self._users -= 1
                return
            self._users = 0
            if self._shared.get((self.workers, self.timeout)) is self:
                del self._shared[(self.workers, self.timeout)]
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

