"""Run crawls for one or more sources in one Scrapy process, with a live progress table and an
end-of-crawl report (pages fetched, articles new, errors by kind, per source).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import RedisError
from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import get_scrapy_root_handler
from scrapy.utils.project import get_project_settings

from akhbar.drift_sample import record_samples
from akhbar.sources import sources_dirs
from core.config import DataDir
from crawler import keys
from crawler.frontier import FRONTIER_COMPONENTS, frontier_settings
from crawler.profiles import SourceProfile
from crawler.settings import user_agent
from crawler.spiders.news import NewsSpider
from crawler.worker import check_worker_id, default_worker_id
from index.backends import ES_SETTINGS, BackendConfig

# Download failures reach the spider's errback, which counts them under akhbar/errors/ by kind.
_ERROR_PREFIXES = (keys.ERRORS, "spider_exceptions/")
# The environment variables an `akhbar crawl` turns into settings (AKHBAR_DATA is the DataDir;
# AKHBAR_SOURCES is read by akhbar.sources; AKHBAR_ES_* by index.backends when the backend opens).
ENV_SETTINGS = ("AKHBAR_BACKEND", "AKHBAR_OPERATOR", "AKHBAR_CONTACT_URL", *ES_SETTINGS)
# Ways a crawl may end that are not a failure: done, or a budget used up (the next crawl goes on).
OK_REASONS = ("finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout")


@dataclass
class SourceReport:
    source: str
    pages_fetched: int = 0
    articles_discovered: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_known: int = 0  # archived recently: not fetched again
    articles_not_modified: int = 0  # re-fetched, unchanged: a revisit record, no re-extraction
    articles_caught_up: int = 0  # archived by an earlier (killed) crawl, indexed now
    articles_spooled: int = 0  # waited for the search backend
    spool_drained: int = 0
    spool_pending: int = 0
    warc_records: int = 0
    warc_revisits: int = 0
    robots_forbidden: int = 0
    frontier_reclaimed: int = 0  # a distributed crawl: requests a stopped worker held, queued again
    errors: dict[str, int] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)  # discovery bounds and crawl budgets reached
    liveness: dict[str, int] = field(default_factory=dict)  # akhbar check-live: outcomes by kind
    finish_reason: str = ""
    # articles extracted, and how many came out with each pipelines.quality shortcoming (akhbar.health)
    extraction: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, source: str, stats: dict[str, Any]) -> SourceReport:
        errors = {}
        for key, value in stats.items():
            for prefix in _ERROR_PREFIXES:
                if key.startswith(prefix):
                    name = key[len(prefix):].rsplit(".", 1)[-1]
                    errors[name] = errors.get(name, 0) + int(value)
        counts = {name: int(stats.get(key, 0)) for name, key in _COUNTED.items()}
        return cls(
            source=source, **counts, errors=errors,
            limits={k[len(keys.LIMITS):]: int(v) for k, v in stats.items() if k.startswith(keys.LIMITS)},
            liveness={k[len(keys.LIVENESS):]: int(v) for k, v in stats.items() if k.startswith(keys.LIVENESS)},
            extraction=_extraction(stats),
            finish_reason=str(stats.get("finish_reason", "running")),
        )


# The stats key behind each counted field of the report (crawler.keys names Akhbar's own).
_COUNTED: dict[str, str] = {
    "pages_fetched": "downloader/response_count",
    "articles_discovered": keys.ARTICLES_DISCOVERED,
    "articles_new": keys.ARTICLES_NEW,
    "articles_updated": keys.ARTICLES_UPDATED,
    "articles_unchanged": keys.ARTICLES_UNCHANGED,
    "articles_known": keys.ARTICLES_KNOWN,
    "articles_not_modified": keys.ARTICLES_NOT_MODIFIED,
    "articles_caught_up": keys.ARTICLES_CAUGHT_UP,
    "articles_spooled": keys.ARTICLES_SPOOLED,
    "spool_drained": keys.SPOOL_DRAINED,
    "spool_pending": keys.SPOOL_PENDING,
    "warc_records": keys.WARC_RECORDS,
    "warc_revisits": keys.WARC_REVISITS,
    "robots_forbidden": "robotstxt/forbidden",
    "frontier_reclaimed": keys.FRONTIER_RECLAIMED,
}
assert set(_COUNTED) == {f.name for f in fields(SourceReport) if f.type == "int"}, "a report field without its key"


def _extraction(stats: dict[str, Any]) -> dict[str, int]:
    """``articles`` extracted and the count of each shortcoming among them (empty if none was)."""
    found = {k[len(keys.EXTRACTED):]: int(v) for k, v in stats.items() if k.startswith(keys.EXTRACTED)}
    articles = int(stats.get(keys.ARTICLES_EXTRACTED, 0))
    return {"articles": articles, **found} if articles or found else {}


def environment_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings the environment asks for — the one place a crawl's configuration is read from
    the environment. A contact URL also sets the User-Agent that carries it."""
    environ = os.environ if environ is None else environ
    out = {name: environ[name] for name in ENV_SETTINGS if environ.get(name)}
    if "AKHBAR_CONTACT_URL" in out:
        out["USER_AGENT"] = user_agent(out["AKHBAR_CONTACT_URL"])
    return out


def build_settings(data: DataDir, overrides: dict[str, Any] | None = None,
                   environ: Mapping[str, str] | None = None) -> Settings:
    """The crawl's settings: the project's, then the environment's (``environment_settings``), then
    the data directory, then ``-s`` overrides. An override of ``AKHBAR_DATA_DIR`` moves the whole
    data directory (every path is derived from it), never a part of it."""
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "akhbar":  # run from outside the project dir
        settings.setmodule("crawler.settings", priority="project")
    overrides = dict(overrides or {})
    if overrides.get("AKHBAR_CONTACT_URL") and "USER_AGENT" not in overrides:
        overrides["USER_AGENT"] = user_agent(overrides["AKHBAR_CONTACT_URL"])
    if overrides.get("AKHBAR_DATA_DIR"):
        data = DataDir.from_settings(overrides)
    settings.update(environment_settings(environ), priority="cmdline")
    settings.update(data.settings(), priority="cmdline")
    settings.set("AKHBAR_SOURCES_DIRS", [str(d) for d in sources_dirs()], priority="cmdline")
    settings.update({k: v for k, v in overrides.items() if k not in data.settings()}, priority="cmdline")
    BackendConfig.from_settings(settings)  # a meaningless AKHBAR_ES_SHARDS/REPLICAS stops here, in one line
    if settings.get("AKHBAR_FRONTIER"):
        _on_frontier(settings)
    return settings


def frontier_overrides(url: str, worker_id: str | None = None) -> dict[str, str]:
    """The ``-s`` settings of ``akhbar crawl --frontier URL [--worker-id ID]``, after checking both
    and that the Redis database answers: a bad one is a one-line error before any crawl starts."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or (parts.scheme != "unix" and not parts.hostname):
        raise SystemExit(f"bad --frontier {url!r}: use redis://HOST:PORT/DB (or rediss://, unix://)")
    db = parts.path.strip("/") if parts.scheme != "unix" else ""
    if db and not db.isdigit():
        raise SystemExit(f"bad --frontier {url!r}: the database is a number (redis://HOST:PORT/0)")
    try:
        out = {"AKHBAR_FRONTIER": url, "AKHBAR_WORKER_ID": check_worker_id(worker_id or default_worker_id())}
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    client = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except RedisError as exc:
        raise SystemExit(f"frontier {parts.hostname or url}:{parts.port or ''} does not answer: {exc}") from None
    finally:
        client.close()
    return out


def _on_frontier(settings: Settings) -> None:
    """A distributed crawl (``AKHBAR_FRONTIER``, ``akhbar crawl --frontier``): scrapy-redis's
    scheduler and duplicate filter on that Redis database, this process as one worker
    (``AKHBAR_WORKER_ID``, default HOST-PID), the frontier's extension and middleware added to the
    project's components. Without it the crawl's settings are the project's, untouched."""
    url = settings.get("AKHBAR_FRONTIER")
    worker = check_worker_id(settings.get("AKHBAR_WORKER_ID") or default_worker_id())
    settings.update(frontier_settings(url, worker), priority="cmdline")
    for name, components in FRONTIER_COMPONENTS.items():
        settings.set(name, {**settings.getdict(name), **components}, priority="cmdline")


# Table labels for the ways a crawl ends that need more room than the table has (the JSON report
# keeps Scrapy's reason as it is).
STATUS_LABELS = {"closespider_timeout": "time limit", "closespider_pagecount": "page limit",
                 "closespider_itemcount": "item limit", "closespider_errorcount": "error limit"}


def status_label(reason: str) -> str:
    return STATUS_LABELS.get(reason, reason)


def _table(reports: list[SourceReport], title: str) -> Table:
    # The table must fit an 80-column terminal: short headers, no vertical rules, and neither the
    # source id nor the status may be cut («finish…» says nothing), so both get their full width.
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    widths = {"source": max([6, *(len(r.source) for r in reports)]),
              "status": max([6, *(len(status_label(r.finish_reason)) for r in reports)])}
    for col in ("source", "pages", "found", "new", "upd", "same", "spool", "err", "status"):
        table.add_column(col, justify="left" if col in widths else "right", no_wrap=True, min_width=widths.get(col))
    for r in reports:
        errs = str(sum(r.errors.values()))
        same = r.articles_unchanged + r.articles_not_modified
        spooled = f"{r.articles_spooled}/{r.spool_pending}" if r.articles_spooled or r.spool_pending else "0"
        table.add_row(r.source, str(r.pages_fetched), str(r.articles_discovered), str(r.articles_new),
                      str(r.articles_updated), str(same), spooled, errs, status_label(r.finish_reason))
    return table


def run_crawl(
    profiles: list[SourceProfile],
    data: DataDir,
    *,
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
    console: Console | None = None,
    max_articles: int = 0,
    discover: list[str] | None = None,
    spider: type[NewsSpider] = NewsSpider,
) -> list[SourceReport]:
    """Crawl the given sources to completion; returns one report per source and saves them as JSON."""
    settings = build_settings(data, overrides)
    data = DataDir.from_settings(settings).ensure()  # the same directory the components derive
    console = console or Console(stderr=True)
    if progress:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    with _only_scrapy_console_handler():
        return _run(process, profiles, data, progress=progress, console=console, max_articles=max_articles,
                    discover=discover, spider=spider)


@contextmanager
def _only_scrapy_console_handler() -> Iterator[None]:
    """During the crawl, Scrapy's root handler (fitted by ``crawler.console``) is the one that writes
    to the terminal; a handler the caller installed before (``akhbar``'s own basicConfig) would
    print every line a second time. Those are put back afterwards."""
    root = logging.getLogger()
    ours = get_scrapy_root_handler()
    others = [h for h in root.handlers if h is not ours and type(h) is logging.StreamHandler
              and getattr(h, "stream", None) in (sys.stderr, sys.stdout)] if ours is not None else []
    for handler in others:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in others:
            root.addHandler(handler)


def _run(process: CrawlerProcess, profiles: list[SourceProfile], data: DataDir, *, progress: bool,
         console: Console, max_articles: int, discover: list[str] | None,
         spider: type[NewsSpider] = NewsSpider) -> list[SourceReport]:
    crawlers: list[tuple[SourceProfile, Crawler]] = []
    for profile in profiles:
        crawler = process.create_crawler(spider)
        process.crawl(crawler, profile=profile, max_articles=max_articles or None, discover=discover)
        crawlers.append((profile, crawler))

    def snapshot() -> list[SourceReport]:
        return [SourceReport.from_stats(p.id, c.stats.get_stats() if c.stats else {}) for p, c in crawlers]

    live = None
    if progress and console.is_terminal:
        from twisted.internet import task

        live = Live(_table(snapshot(), "crawling…"), console=console, refresh_per_second=4, transient=True)
        live.start()
        loop = task.LoopingCall(lambda: live.update(_table(snapshot(), "crawling…")))
        loop.start(0.5, now=False)
    try:
        process.start()
    finally:
        if live is not None:
            live.stop()
    reports = snapshot()
    if progress:
        console.print(_table(reports, "crawl report"))
        for r in reports:
            for label, counts in (("errors", r.errors), ("limits reached", r.limits)):
                if counts:
                    kinds = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                    console.print(f"  {r.source} {label}: {kinds}", markup=False, highlight=False)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = data.reports / f"crawl-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=2), encoding="utf-8")
    logging.getLogger(__name__).info("crawl report saved to %s", out)
    if spider is NewsSpider:  # a source's drift sample (akhbar.health): kept once, from an indexed article
        record_samples(data, profiles)
    return reports


def crawl_failed(reports: list[SourceReport]) -> bool:
    return any(r.finish_reason not in OK_REASONS for r in reports)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `akhbar crawl`")
