"""``akhbar schedule``: run crawls on cron schedules until stopped, surviving restarts.

Jobs come from a TOML file (``--config``, default ``DATA/schedule.toml``, else the built-in
defaults: feeds every 15 minutes, sitemaps hourly, section pages daily). Each run is a separate
``akhbar crawl`` process, so a crash in one crawl cannot take the scheduler down and Scrapy's reactor
starts fresh every time. The time of each job's last run is kept in ``state/schedule.json``
(written atomically); after a restart, a job whose slot passed while the scheduler was down runs
once at once — missed slots are not replayed one by one.

    [[job]]
    name = "feeds"
    sources = ["alwatan-sy", "sana-sy"]   # "*" = every bundled real source
    discover = ["feeds"]
    cron = "*/15 * * * *"
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
)


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Job:
    name: str
    sources: tuple[str, ...]
    discover: tuple[str, ...]
    cron: str
    extra_args: tuple[str, ...] = ()

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
        jobs.append(Job(name=item.get("name") or f"job{i + 1}", sources=tuple(item["sources"]),
                        discover=tuple(item.get("discover", ())), cron=item["cron"],
                        extra_args=tuple(item.get("args", ()))))
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
        cmd = [sys.executable, "-m", "akhbar.cli", "--data", str(self.data.root), "crawl", "--no-progress",
               *self.resolve(job.sources)]
        if job.discover:
            cmd += ["--discover", ",".join(job.discover)]
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
