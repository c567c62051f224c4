"""Source health and the drift alarm: is each source still crawled, and does it still yield articles?

Unattended crawls run for months; a site that moves its feed, changes its template or stops
publishing must say so instead of quietly archiving nothing. ``akhbar sources --health`` and the
``/sources`` page show, per source, what this module computes, all from what the crawl already keeps
and in aggregates (SQL over the fetch log, the backend's facets), never by loading every article:

- the crawl reports (``state/reports/*.json``): the last crawl's time and finish, its network
  errors, and the runs without a new article (read newest first, only as many as needed);
- the reports' extraction counts (``pipelines.quality``, counted by the crawl): how many of a
  run's articles came out with an empty body, against the runs before;
- the fetch log (``state/fetchlog.sqlite``): new articles per day, HTTP 4xx/5xx answers, feeds and
  sitemaps whose newest answer is an error;
- the search index (either backend, through ``facets`` and ``search``): articles indexed, the
  share without a date, the shares of the newest articles with an empty body or no author;
- the drift sample (``akhbar.drift_sample``): one archived article page extracted again today;
- the scheduler's ``state/schedule.json``: when each scheduled job last ran.

Alarms (``kind``): ``crawl_failed`` (the last crawl did not finish), ``failing_feed`` (a feed or
sitemap answers an error), ``no_new_articles`` (``idle_runs`` crawl runs in a row without a new
article), ``quality_drop`` (the share of empty bodies among the articles a run extracted rose by
``quality_drop`` or more over the runs before it: a template change), ``sample_changed`` (the
sample page extracts differently with today's code). The JSON shape is in docs/health.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from akhbar.crawl import OK_REASONS
from akhbar.drift_sample import load_sample, recheck
from core.config import DataDir
from crawler.fetchlog import FetchLog
from crawler.profiles import SourceProfile
from index.base import SearchBackend, SearchQuery
from pipelines.quality import shortcomings

# The report's error kinds that mean no HTTP answer at all (crawler.errors names them).
NETWORK_KINDS = ("timeout", "connection_refused", "dns", "connection_lost")
# How many of a source's newest articles the body and author shares are measured over (the index
# has no facet for them; a bounded page of the newest is cheap on both backends).
INDEX_SAMPLE = 100
# Crawl runs read per source for the extraction history the last run is compared with, and the
# most report files read in all (newest first): a source left out of the schedule long ago must
# not make every health check read a year of reports.
HISTORY_RUNS = 20
MAX_REPORTS = 2000
ALARM_KINDS = ("crawl_failed", "failing_feed", "no_new_articles", "quality_drop", "sample_changed")


class HealthSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class HealthSettings:
    """The thresholds, from the environment (``from_env``); docs/health.md lists them."""

    idle_runs: int = 3  # AKHBAR_HEALTH_IDLE_RUNS: crawl runs in a row without a new article → alarm
    quality_drop: float = 0.3  # AKHBAR_HEALTH_QUALITY_DROP: rise of the empty-body share → alarm
    min_pages: int = 3  # AKHBAR_HEALTH_MIN_PAGES: article pages a run needs for its share to be judged
    days: int = 30  # AKHBAR_HEALTH_DAYS: the window of articles_per_day

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HealthSettings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, kind, low, high in (("idle_runs", int, 1, 10_000), ("quality_drop", float, 0.0, 1.0),
                                      ("min_pages", int, 1, 1_000_000), ("days", int, 1, 3660)):
            var = f"AKHBAR_HEALTH_{name.upper()}"
            text = environ.get(var, "").strip()
            if not text:
                continue
            try:
                value = kind(text)
            except ValueError:
                raise HealthSettingsError(f"{var}={text!r} is not a {'whole ' if kind is int else ''}number") from None
            if not low <= value <= high:
                raise HealthSettingsError(f"{var}={text} is not between {low} and {high}")
            values[name] = value
        return cls(**values)


@dataclass
class Alarm:
    kind: str
    message: str


@dataclass
class SourceHealth:
    id: str
    name: str
    last_crawl: dict[str, str] | None  # {time, status}; None: never crawled
    articles_per_day: list[dict[str, Any]]  # [{date, count}], every day of the window, oldest first
    articles_indexed: int
    empty_body_share: float
    missing_date_share: float
    missing_author_share: float
    http_error_rate: dict[str, float]  # {4xx, 5xx, network}: shares of the last run's requests
    failing_feeds: list[dict[str, Any]]  # [{url, kind, status, time}]
    sample: dict[str, str] | None  # {url, fetched}: the drift sample
    alarms: list[Alarm] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class HealthReport:
    generated: str
    settings: HealthSettings
    schedule: dict[str, str]  # job name → last run (ISO), from state/schedule.json
    sources: list[SourceHealth]

    @property
    def alarmed(self) -> bool:
        return any(s.alarms for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {"generated": self.generated, "settings": asdict(self.settings), "schedule": self.schedule,
                "sources": [s.to_dict() for s in self.sources]}


@dataclass
class _Run:
    time: str  # ISO UTC, when the crawl's report was written
    report: dict[str, Any]


def _stamp_time(name: str) -> str | None:
    """``crawl-20261201T230114Z.json`` → ``2026-12-01T23:01:14Z`` (None for another name)."""
    try:
        when = datetime.strptime(name.removeprefix("crawl-").removesuffix(".json"), "%Y%m%dT%H%M%SZ")
    except ValueError:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _runs(data: DataDir, known: set[str], wanted: int) -> dict[str, list[_Run]]:
    """Each source's crawl runs, newest first, from the reports: read newest first and no further
    than needed for ``wanted`` runs of every source in ``known`` (months of reports stay unread).
    ``akhbar check-live`` reports (they carry liveness counts) are not crawl runs."""
    runs: dict[str, list[_Run]] = {}
    paths = sorted(data.reports.glob("crawl-*.json"), reverse=True) if data.reports.is_dir() else []
    for path in paths[:MAX_REPORTS]:
        when = _stamp_time(path.name)
        if when is None:
            continue
        try:
            reports = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for report in reports if isinstance(reports, list) else []:
            if isinstance(report, dict) and report.get("source") and not report.get("liveness"):
                runs.setdefault(str(report["source"]), []).append(_Run(when, report))
        if known and all(len(runs.get(s, ())) >= wanted for s in known):
            break
    return runs


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _schedule(data: DataDir) -> dict[str, str]:
    """Job name → last run, as ``akhbar.schedule.ScheduleState`` writes it (a module above this one)."""
    try:
        last = json.loads((data.state / "schedule.json").read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in last.items()} if isinstance(last, dict) else {}


def _index_shares(backend: SearchBackend | None, source: str, total: int) -> tuple[float, float, float]:
    """(empty_body_share, missing_date_share, missing_author_share) of ``source`` in the index: the
    month facet counts every dated article; the newest ``INDEX_SAMPLE`` articles, judged by
    ``pipelines.quality``, tell the body and author shares (the index has no facet for those)."""
    if backend is None or not total:
        return 0.0, 0.0, 0.0
    query = SearchQuery(sources=[source], sort="date", per_page=INDEX_SAMPLE)
    dated = sum(n for _, n in backend.facets(query).get("month", []))
    lacks = [shortcomings(h.article) for h in backend.search(query).hits]
    return (_share(sum("short_body" in x for x in lacks), len(lacks)), _share(total - dated, total),
            _share(sum("no_author" in x for x in lacks), len(lacks)))


def source_health(data: DataDir, backend: SearchBackend | None, profiles: Mapping[str, SourceProfile],
                  settings: HealthSettings | None = None, now: datetime | None = None) -> HealthReport:
    """The health of every source the archive knows (crawled at least once, by the reports or the
    fetch log). ``backend`` None: the index figures are left at 0."""
    settings = settings or HealthSettings()
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=settings.days - 1)).strftime("%Y-%m-%d")
    log = FetchLog(data.fetchlog) if data.fetchlog.exists() else None
    try:
        logged = log.sources() if log else []
        runs = _runs(data, set(logged), max(settings.idle_runs, HISTORY_RUNS))
        indexed = dict(backend.facets(SearchQuery(), limit=100_000).get("source", [])) if backend else {}
        out = [_one(data, log, backend, source, profiles.get(source), runs.get(source, []), indexed.get(source, 0),
                    settings, since)
               for source in sorted(set(logged) | set(runs))]
    finally:
        if log:
            log.close()
    return HealthReport(now.strftime("%Y-%m-%dT%H:%M:%SZ"), settings, _schedule(data), out)


def _one(data: DataDir, log: FetchLog | None, backend: SearchBackend | None, source: str,
         profile: SourceProfile | None, runs: list[_Run], indexed: int, settings: HealthSettings,
         since: str) -> SourceHealth:
    alarms: list[Alarm] = []
    last = runs[0] if runs else None
    # The last run's captures are those after the previous run's report ("" when it is the first).
    start, end = (runs[1].time if len(runs) > 1 else ""), (last.time if last else "")
    per_day = dict(log.new_articles_per_day(source, since)) if log else {}
    days = [(datetime.strptime(since, "%Y-%m-%d") + timedelta(days=i)).strftime("%Y-%m-%d")
            for i in range(settings.days)]
    fetched, e4, e5 = log.status_counts(source, start, end) if log and last else (0, 0, 0)
    network = sum(int(v) for k, v in (last.report.get("errors") or {}).items() if k in NETWORK_KINDS) if last else 0
    failing = [{"url": u, "kind": k, "status": s, "time": t} for u, k, s, t in log.failing_discovery(source)] \
        if log else []
    empty, no_date, no_author = _index_shares(backend, source, indexed)

    if last and last.report.get("finish_reason") not in OK_REASONS:
        alarms.append(Alarm("crawl_failed", f"the last crawl ended «{last.report.get('finish_reason')}»"))
    for f in failing:
        alarms.append(Alarm("failing_feed", f"{f['kind']} {f['url']} answers HTTP {f['status']}"))
    idle = runs[:settings.idle_runs]
    if len(idle) == settings.idle_runs and not any(int(r.report.get("articles_new") or 0) for r in idle):
        alarms.append(Alarm("no_new_articles", f"no new article in the last {settings.idle_runs} crawl runs "
                                               f"(from {idle[-1].time} to {idle[0].time})"))
    alarms += _quality(runs, settings)
    sample = load_sample(data, source)
    if sample:
        alarms += [Alarm("sample_changed", m) for m in recheck(data, sample, profile)]
    return SourceHealth(
        id=source, name=profile.name_ar if profile else source,
        last_crawl={"time": last.time, "status": str(last.report.get("finish_reason") or "")} if last else None,
        articles_per_day=[{"date": d, "count": per_day.get(d, 0)} for d in days],
        articles_indexed=indexed, empty_body_share=empty, missing_date_share=no_date,
        missing_author_share=no_author,
        http_error_rate={"4xx": _share(e4, fetched + network), "5xx": _share(e5, fetched + network),
                         "network": _share(network, fetched + network)},
        failing_feeds=failing, sample={"url": sample.get("url", ""), "fetched": sample.get("fetched", "")}
        if sample else None, alarms=alarms)


def _judged(run: _Run) -> tuple[int, int]:
    """(article pages the run extracted or found without text, how many had an empty body)."""
    ext = run.report.get("extraction") or {}
    no_text = int((run.report.get("errors") or {}).get("no_article_text", 0))
    return int(ext.get("articles", 0)) + no_text, int(ext.get("short_body", 0)) + no_text


def _quality(runs: list[_Run], settings: HealthSettings) -> list[Alarm]:
    """The share of empty bodies (``pipelines.quality``, or no text at all) among the pages of the
    newest run that extracted enough of them — later runs may have found every page unchanged —
    against the same share over the runs before it (0 without such history): a template change
    that empties bodies raises it on the first crawl after it."""
    judged = [(run, *_judged(run)) for run in runs]
    newest = next((i for i, (_, pages, _) in enumerate(judged) if pages >= settings.min_pages), None)
    if newest is None:
        return []
    run, pages, empty = judged[newest]
    before_pages = sum(p for _, p, _ in judged[newest + 1:])
    before = sum(e for _, _, e in judged[newest + 1:]) / before_pages if before_pages >= settings.min_pages else 0.0
    now = empty / pages
    if now - before >= settings.quality_drop:
        return [Alarm("quality_drop", f"{empty} of {pages} article pages extracted by the crawl of {run.time} "
                                      f"had an empty body ({now:.0%}; {before:.0%} in the crawls before)")]
    return []
