"""``akhbar schedule``: run crawls on cron schedules until stopped, surviving restarts.

Jobs come from a TOML file (``--config``, default ``DATA/schedule.toml``, else the built-in
defaults: feeds every 15 minutes, sitemaps hourly, section pages daily, and once a day ``akhbar
check-live`` over the articles longest unchecked). Each run is a separate ``akhbar crawl`` (or
``akhbar check-live``) process, so a crash in one crawl cannot take the scheduler down and Scrapy's reactor
starts fresh every time. The time of each job's last run is kept in ``state/schedule.json``
(written atomically); after a restart, a job whose slot passed while the scheduler was down runs
once at once — missed slots are not replayed one by one.

    [[job]]
    name = "feeds"
    sources = ["alwatan-sy", "sana-sy"]   # "*" = every bundled real source
    discover = ["feeds"]
    cron = "*/15 * * * *"

    [[job]]
    name = "liveness"
    kind = "check-live"                   # re-request archived articles: what was edited, what vanished
    sources = ["*"]
    limit = 2000                          # URLs per source per run (default: AKHBAR_CHECK_LIVE_MAX)
    cron = "41 4 * * *"
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from croniter import croniter

from core.config import DataDir

logger = logging.getLogger(__name__)

DEFAULT_JOBS = (
    {"name": "feeds", "sources": ["*"], "discover": ["feeds"], "cron": "*/15 * * * *"},
    {"name": "sitemaps", "sources": ["*"], "discover": ["sitemaps"], "cron": "7 * * * *"},
    {"name": "sections", "sources": ["*"], "discover": ["sections"], "cron": "23 3 * * *"},
    {"name": "liveness", "kind": "check-live", "sources": ["*"], "cron": "41 4 * * *"},
)
KINDS = ("crawl", "check-live")  # the akhbar command a job runs


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Job:
    name: str
    sources: tuple[str, ...]
    discover: tuple[str, ...]
    cron: str
    extra_args: tuple[str, ...] = ()
    kind: str = "crawl"
    limit: int = 0  # check-live: URLs per source per run (0: the setting's default)

    def next_after(self, when: datetime) -> datetime:
        return croniter(self.cron, when).get_next(datetime)


def load_jobs(path: Path | None) -> list[Job]:
    raw = DEFAULT_JOBS
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8")).get("job", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ScheduleError(f"{path}: {exc}") from exc
    jobs = []
    for i, item in enumerate(raw):
        where = f"{path or 'defaults'}: job {i + 1}"
        if not croniter.is_valid(item.get("cron", "")):
            raise ScheduleError(f"{where}: bad cron expression {item.get('cron')!r}")
        if not item.get("sources"):
            raise ScheduleError(f"{where}: needs sources")
        kind = item.get("kind", "crawl")
        if kind not in KINDS:
            raise ScheduleError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if kind == "check-live" and item.get("discover"):
            raise ScheduleError(f"{where}: a check-live job re-requests archived articles; it has no discover")
        limit = item.get("limit", 0)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0 or (limit and kind != "check-live"):
            raise ScheduleError(f"{where}: limit is a count of URLs (0 or more) for check-live jobs, not {limit!r}")
        jobs.append(Job(name=item.get("name") or f"job{i + 1}", sources=tuple(item["sources"]),
                        discover=tuple(item.get("discover", ())), cron=item["cron"],
                        extra_args=tuple(item.get("args", ())), kind=kind, limit=limit))
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise ScheduleError(f"{path or 'defaults'}: job names must be unique: {names}")
    return jobs


class ScheduleState:
    """Last run per job, in a JSON file replaced atomically so a kill never leaves it half-written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.last: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            logger.warning("%s is unreadable; starting the schedule afresh", path)
            self.last = {}

    def last_run(self, job: Job) -> datetime | None:
        value = self.last.get(job.name)
        return datetime.fromisoformat(value) if value else None

    def mark(self, job: Job, when: datetime) -> None:
        self.last[job.name] = when.isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.last, indent=2, sort_keys=True))
        os.replace(tmp, self.path)


def due_at(job: Job, state: ScheduleState, now: datetime) -> datetime:
    """When ``job`` should next run: its next slot after the last run (which may already be past,
    if the scheduler was down), or the next slot from now for a job that never ran."""
    last = state.last_run(job)
    return job.next_after(last) if last else job.next_after(now)


class Scheduler:
    def __init__(self, data: DataDir, jobs: list[Job], sources_resolver) -> None:
        self.data = data
        self.jobs = jobs
        self.state = ScheduleState(data.state / "schedule.json")
        self.resolve = sources_resolver
        self.stop = threading.Event()
        self.child: subprocess.Popen | None = None

    def command(self, job: Job) -> list[str]:
        cmd = [sys.executable, "-m", "akhbar.cli", "--data", str(self.data.root), job.kind, "--no-progress",
               *self.resolve(job.sources)]
        if job.discover:
            cmd += ["--discover", ",".join(job.discover)]
        if job.limit:
            cmd += ["--limit", str(job.limit)]
        return [*cmd, *job.extra_args]

    def run_job(self, job: Job, slot: datetime) -> int:
        logger.warning("schedule: running %s (slot %s)", job.name, slot.isoformat())
        # Own session: a terminal's Ctrl-C or a service manager's SIGTERM reaches only the scheduler,
        # which forwards one SIGINT — a second one would make Scrapy stop uncleanly.
        self.child = subprocess.Popen(self.command(job), start_new_session=True)
        code = self.child.wait()
        self.child = None
        if self.stop.is_set():
            logger.warning("schedule: %s was interrupted; its slot stays due", job.name)
            return code
        self.state.mark(job, slot)
        logger.warning("schedule: %s finished with exit code %d", job.name, code)
        return code

    def run_due(self, now: datetime | None = None) -> list[str]:
        """Run every job that is due now, once each; returns their names."""
        now = now or datetime.now(UTC)
        ran = []
        for job in self.jobs:
            if self.stop.is_set():
                break
            last = self.state.last_run(job)
            if last is None:
                self.state.mark(job, now)  # first sight: start counting slots from now
                continue
            slot = job.next_after(last)
            if slot <= now:
                self.run_job(job, now)
                ran.append(job.name)
        return ran

    def forever(self) -> None:
        """Until SIGINT/SIGTERM: a running crawl gets SIGINT (Scrapy's graceful stop) and is waited for."""
        def _stop(signum, frame):
            self.stop.set()
            if self.child and self.child.poll() is None:
                self.child.send_signal(signal.SIGINT)

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        while not self.stop.is_set():
            self.run_due()
            now = datetime.now(UTC)
            upcoming = min(due_at(j, self.state, now) for j in self.jobs)
            self.stop.wait(min(60.0, max(1.0, (upcoming - now).total_seconds())))
