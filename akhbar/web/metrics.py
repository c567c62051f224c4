"""``/metrics``: the archive's state and the web app's search latency for Prometheus.

Crawls run in other processes (``akhbar crawl``, ``akhbar schedule``), so what they did is read
from the data directory when Prometheus scrapes, by a custom collector — never counted in this
process, and no background thread: the crawl reports in ``state/reports/`` (one JSON file per crawl,
``akhbar.crawl.SourceReport`` per source), the spool files in ``state/spool/`` and the scheduler's
``state/schedule.json`` against its jobs (``DATA/schedule.toml``, else the built-in defaults: what
``akhbar schedule`` runs without ``--config``). A report is parsed once and kept while its file is
unchanged, so a scrape over years of reports reads only the new ones. Counters are sums over the
reports on disk: deleting reports lowers them, which Prometheus takes as a counter reset.

Search latency is the one thing measured here: a Histogram observed around each search request,
the page (``/``) and the API (``/api/search``). Each app has its own ``CollectorRegistry``, so
apps created side by side (tests) do not share or collide over metrics.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Receive, Scope, Send

from akhbar.crawl import report_time
from akhbar.schedule import ScheduleError, ScheduleState, load_jobs
from core.config import DataDir

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # text/plain; version=0.0.4 (CONTENT_TYPE_LATEST is 1.0.0 since 0.23)
SEARCH_ENDPOINTS = {"/": "page", "/api/search": "api"}
# What a report counts as indexed: new articles, new versions, a killed crawl's backlog, the spool drained.
INDEXED = ("articles_new", "articles_updated", "articles_caught_up", "spool_drained")
ARTICLE_KINDS = ("discovered", "new", "updated", "unchanged", "known", "not_modified", "caught_up", "spooled")


@dataclass(frozen=True)
class SourceRun:
    """What one crawl report says of one source (the fields of ``akhbar.crawl.SourceReport`` used here)."""

    source: str
    outcome: str
    pages_fetched: int
    articles: dict[str, int]
    spool_drained: int
    errors: dict[str, int]
    finished: float  # when the report was written (Unix time)

    @classmethod
    def parse(cls, entry: dict[str, Any], finished: float) -> SourceRun:
        """Raises TypeError, ValueError, KeyError or AttributeError on an entry that is not a report."""
        return cls(source=str(entry["source"]), outcome=str(entry.get("finish_reason") or "unknown"),
                   pages_fetched=int(entry.get("pages_fetched", 0)),
                   articles={kind: int(entry.get(f"articles_{kind}", 0)) for kind in ARTICLE_KINDS},
                   spool_drained=int(entry.get("spool_drained", 0)),
                   errors={str(k): int(v) for k, v in (entry.get("errors") or {}).items()}, finished=finished)

    @property
    def indexed(self) -> int:
        return self.articles["new"] + self.articles["updated"] + self.articles["caught_up"] + self.spool_drained


def _report_time(path: Path) -> float:
    """``crawl-20261201T230507Z.json`` → that instant; the file's mtime when the name says none."""
    written = report_time(path)
    return written.timestamp() if written is not None else path.stat().st_mtime


def _read_report(path: Path) -> list[SourceRun]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError("a crawl report is a list of source reports")
    finished = _report_time(path)
    return [SourceRun.parse(entry, finished) for entry in entries]


def _spooled(path: Path) -> int:
    """Articles waiting in one spool file: its non-blank lines (``pipelines.index``'s own count)."""
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


class FileCache:
    """What was read from each file, kept while the file's size and mtime stay the same."""

    def __init__(self) -> None:
        self._seen: dict[Path, tuple[tuple[int, int], Any]] = {}
        self._lock = threading.Lock()

    def read(self, paths: list[Path], parse: Callable[[Path], Any]) -> list[tuple[Path, Any]]:
        """``(path, parse(path))`` for each path; a file that cannot be read or parsed gives an
        exception instance instead of a value (the next scrape tries again)."""
        with self._lock:
            kept = {}
            for path in paths:
                try:
                    st = path.stat()
                except OSError:
                    continue  # gone between listing and reading
                key = (st.st_mtime_ns, st.st_size)
                cached = self._seen.get(path)
                if cached is None or cached[0] != key:
                    try:
                        value: Any = parse(path)
                    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                        value = exc
                    cached = (key, value)
                kept[path] = cached
            self._seen = kept
            return [(path, value) for path, (_, value) in kept.items()]


class ArchiveCollector(Collector):
    """Crawls, pages, articles, errors, spool depth and schedule lag, read from the data directory
    at each scrape."""

    def __init__(self, data: DataDir, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.data = data
        self.clock = clock
        self._reports = FileCache()
        self._spools = FileCache()

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration: the names are fixed, the samples come at scrape time

    def collect(self) -> Iterator[Metric]:
        yield from self._crawls()
        yield self._spool()
        yield from self._schedule()

    def _crawls(self) -> Iterator[Metric]:
        crawls = CounterMetricFamily("akhbar_crawls", "Crawls (one per source per crawl report in state/reports/), "
                                     "by source and outcome (the crawl's finish reason)", labels=["source", "outcome"])
        pages = CounterMetricFamily("akhbar_pages_fetched", "Responses downloaded by crawls", labels=["source"])
        indexed = CounterMetricFamily("akhbar_articles_indexed", "Articles indexed by crawls (new, new versions, "
                                      "caught up after a killed crawl, drained from the spool)", labels=["source"])
        articles = CounterMetricFamily("akhbar_crawl_articles", "Articles by what the crawl did with them "
                                       "(the crawl report's articles_* counts)", labels=["source", "kind"])
        errors = CounterMetricFamily("akhbar_crawl_errors", "Crawl errors by kind (akhbar/errors/* in the crawl "
                                     "stats, as the report keeps them)", labels=["source", "kind"])
        last = GaugeMetricFamily("akhbar_crawl_last_report_timestamp_seconds", "When the last crawl report of "
                                 "a source was written", labels=["source"])
        unreadable = GaugeMetricFamily("akhbar_crawl_reports_unreadable", "Crawl report files in state/reports/ "
                                       "that could not be read (left out of the counts)")
        counts: dict[str, Counter] = {name: Counter() for name in ("crawls", "pages", "indexed", "articles", "errors")}
        latest: dict[str, float] = {}
        bad = 0
        paths = sorted(self.data.reports.glob("*.json")) if self.data.reports.is_dir() else []
        for path, runs in self._reports.read(paths, _read_report):
            if isinstance(runs, Exception):
                bad += 1
                logger.warning("metrics: crawl report %s left out: %s", path.name, runs)
                continue
            for run in runs:
                counts["crawls"][run.source, run.outcome] += 1
                counts["pages"][run.source,] += run.pages_fetched
                counts["indexed"][run.source,] += run.indexed
                for kind, n in run.articles.items():
                    counts["articles"][run.source, kind] += n
                for kind, n in run.errors.items():
                    counts["errors"][run.source, kind] += n
                latest[run.source] = max(latest.get(run.source, 0.0), run.finished)
        for family, name in ((crawls, "crawls"), (pages, "pages"), (indexed, "indexed"), (articles, "articles"),
                             (errors, "errors")):
            for labels, value in sorted(counts[name].items()):
                family.add_metric(list(labels), value)
            yield family
        for source, when in sorted(latest.items()):
            last.add_metric([source], when)
        unreadable.add_metric([], bad)
        yield last
        yield unreadable

    def _spool(self) -> Metric:
        depth = GaugeMetricFamily("akhbar_spool_depth", "Articles waiting in state/spool/ for the search backend",
                                  labels=["source"])
        paths = sorted(self.data.spool.glob("*.jsonl")) if self.data.spool.is_dir() else []
        for path, n in self._spools.read(paths, _spooled):
            if not isinstance(n, Exception):
                depth.add_metric([path.stem], n)
        return depth

    def _schedule(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily("akhbar_schedule_lag_seconds", "How late a due scheduled job is: now minus its "
                                "next slot after its last run (0 while not due)", labels=["job"])
        last = GaugeMetricFamily("akhbar_schedule_last_run_timestamp_seconds", "When a scheduled job last ran "
                                 "(state/schedule.json)", labels=["job"])
        config = self.data.root / "schedule.toml"
        state_file = self.data.state / "schedule.json"
        if state_file.exists():
            try:
                jobs = load_jobs(config if config.exists() else None)
            except ScheduleError as exc:
                logger.warning("metrics: no schedule lag: %s", exc)
                jobs = []
            now = self.clock()
            state = ScheduleState(state_file)
            for job in jobs:
                try:
                    ran = state.last_run(job)
                except (TypeError, ValueError):
                    ran = None
                if ran is None:
                    continue  # the scheduler has not seen this job yet: no slot to be late for
                ran = ran if ran.tzinfo else ran.replace(tzinfo=UTC)
                lag.add_metric([job.name], max(0.0, (now - job.next_after(ran)).total_seconds()))
                last.add_metric([job.name], ran.timestamp())
        yield lag
        yield last


class SearchTiming:
    """Observes the search latency histogram around the search page and ``/api/search`` (the whole
    request: search, facets and rendering), as a plain ASGI middleware."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = SEARCH_ENDPOINTS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.histogram.labels(endpoint).observe(time.perf_counter() - start)


class Metrics:
    """One app's registry: the archive collector and the search latency histogram."""

    def __init__(self, data: DataDir) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(ArchiveCollector(data))
        self.search_latency = Histogram("akhbar_search_latency_seconds", "Time to answer a search request in "
                                        "the web app, by endpoint (page: /, api: /api/search)", ["endpoint"],
                                        registry=self.registry)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """The Prometheus text exposition format, version 0.0.4."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE)
