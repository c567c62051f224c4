"""The distributed crawl on this machine: one worker vs two on one Redis frontier, and two with one
of them killed by SIGKILL mid-crawl and restarted — what each took and whether every article was
archived and indexed once. On 2 shared cores it shows correctness and overhead, not speed-up.

    python -m bench.frontier            # Markdown table on stdout

Each run: a fresh data directory, a fresh redis-server on a loopback port (``tests/redis_server.py``),
the three sample sites, ``akhbar crawl --frontier`` worker processes (``tests/test_frontier.py`` runs
the killed form).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.archive import iter_cdx, warcio_check
from core.config import DataDir
from crawler.fetchlog import FetchLog
from crawler.frontier import KEY_PREFIX
from crawler.worker import worker_of
from index.backends import BackendConfig, open_backend
from samples.catalog import catalog
from samples.server import SampleSites
from tests.redis_server import redis_server

SITES = ("watan", "dw", "aggregator")


@dataclass
class FrontierRun:
    workers: int
    killed: bool
    seconds: float = 0.0
    expected: int = 0
    archived: int = 0
    indexed: int = 0
    index_docs: int = 0
    extra_captures: int = 0  # article responses fetched more than once (at-least-once after a kill)
    warc_files: dict[str, int] = field(default_factory=dict)  # per worker id
    warc_valid: bool = False
    warcinfo_ok: bool = False  # each file's warcinfo names the worker its file name names
    reclaimed: int = 0  # requests w1's restart (or the other worker) queued again after the kill
    held: int = 0  # requests w1 held (taken, not acknowledged) when it was killed
    exit_codes: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.archived == self.expected == self.indexed and self.warc_valid
                and self.index_docs == self.expected and all(c == 0 for c in self.exit_codes))


def worker_cmd(data: DataDir, sites: SampleSites, url: str, worker: str, *, slow: bool,
               names: tuple[str, ...] = SITES) -> list[str]:
    """One ``akhbar crawl --frontier`` worker over the sample sites (``slow``: paced so that a kill
    lands mid-crawl)."""
    cmd = [sys.executable, "-m", "akhbar.cli", "--data", str(data.root), "crawl", "--no-progress",
           *[f"sample-{s}" for s in names], *[f"--base-url=sample-{s}={sites.base_urls[s]}" for s in names],
           "--frontier", url, "--worker-id", worker,
           "--set=AUTOTHROTTLE_ENABLED=False", "--set=AKHBAR_FRONTIER_HEARTBEAT=3",
           # few requests in hand per worker, so the queue is shared between the workers
           "--set=CONCURRENT_REQUESTS=4", "--set=CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    cmd += ["--set=DOWNLOAD_DELAY=0.1", "--set=AKHBAR_INDEX_BATCH=5"] if slow else ["--set=DOWNLOAD_DELAY=0"]
    return cmd


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))


def _captures(data: DataDir) -> int:
    if not data.fetchlog.exists():
        return 0
    with FetchLog(data.fetchlog) as log:
        return log.counts()["captures"]


def run(workers: int = 2, kill: bool = False, kill_at_captures: int = 12, names: tuple[str, ...] = SITES,
        extra: tuple[str, ...] = (), restart: bool = True) -> FrontierRun:
    """Crawl the sample sites ``names`` with ``workers`` worker processes on one fresh frontier; with
    ``kill``, worker w1 is killed with SIGKILL once the archive holds ``kill_at_captures`` captures,
    then (``restart``) started again under the same id — else the other workers take over what it
    held once its heartbeat lapses, and a worker w3 crawling afterwards finishes its WARC file.
    ``extra``: more ``akhbar crawl`` arguments."""
    result = FrontierRun(workers=workers, killed=kill)

    def cmd(worker: str) -> list[str]:
        return [*worker_cmd(data, sites, url, worker, slow=kill, names=names), *extra]

    sites = SampleSites().start(ports=dict.fromkeys(SITES, 0))
    if kill:
        # a slow site: each request stays in a worker's hands a while, so w1 is caught holding some
        # (and is still crawling when the archive is far enough along) however fast the machine is
        sites.latency = 0.2
    try:
        with tempfile.TemporaryDirectory(prefix="akhbar-frontier-") as tmp, redis_server() as url:
            data = DataDir(Path(tmp) / "data").ensure()
            logs = Path(tmp)
            ids = [f"w{n}" for n in range(1, workers + 1)]
            started = time.monotonic()
            procs = {w: _spawn(cmd(w), logs / f"{w}.log") for w in ids}
            if kill:
                deadline = time.monotonic() + 60
                # mid-crawl: the archive holds some captures, w1 has begun a WARC file of its own
                while (_captures(data) < kill_at_captures or not any(data.warc.glob("*-w1.warc.gz*"))) \
                        and procs["w1"].poll() is None:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                result.held = _kill_holding(procs["w1"], url, names, deadline) if procs["w1"].poll() is None else -1
                if result.held < 0:
                    result.notes.append("w1 finished before it could be killed holding requests")
                elif restart:
                    procs["w1"] = _spawn(cmd("w1"), logs / "w1.log")
                else:
                    ids.remove("w1")
            for w in ids:
                result.exit_codes.append(procs[w].wait(timeout=300))
            if kill and not restart:
                # w1's unfinished WARC file waits for the next crawl of the source on this host: a
                # worker w3 starting a new round finishes it, records and indexes what it holds
                ids.append("w3")
                procs["w3"] = _spawn(cmd("w3"), logs / "w3.log")
                result.exit_codes.append(procs["w3"].wait(timeout=300))
            result.seconds = time.monotonic() - started
            for w in ids:
                if procs[w].returncode:
                    result.notes.append(f"{w}: " + (logs / f"{w}.log").read_text(errors="replace")[-1500:])
            _check(result, data, sites, names)
            result.reclaimed = _reclaimed(data)
    finally:
        sites.stop()
    return result


def _kill_holding(proc: subprocess.Popen, url: str, names: tuple[str, ...], deadline: float) -> int:
    """SIGKILL ``proc`` (worker w1) at a moment it holds requests taken from the frontier and not
    yet acknowledged, else there is nothing for a restart or a take-over to put back; a request is
    held only while it is fetched and archived, so the worker is frozen (SIGSTOP) to look and
    let go (SIGCONT) until it is caught holding some. Returns how many it held when killed."""
    import redis

    server = redis.Redis.from_url(url)
    keys = [f"{KEY_PREFIX}sample-{name}:processing:w1" for name in names]
    try:
        while proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGSTOP)
            except ProcessLookupError:  # it ended between the two looks
                break
            held = sum(server.hlen(k) for k in keys)
            if held or time.monotonic() > deadline or proc.poll() is not None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return held
            os.kill(proc.pid, signal.SIGCONT)
            time.sleep(0.01)
        return -1  # it finished first
    finally:
        server.close()


def _reclaimed(data: DataDir) -> int:
    import json

    return sum(int(r.get("frontier_reclaimed", 0)) for path in (data.state / "reports").glob("crawl-*.json")
               for r in json.loads(path.read_text()))


def _warcinfo_worker(path: Path) -> str | None:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        record = next(iter(ArchiveIterator(fh)))
        fields = dict(line.split(": ", 1) for line in record.content_stream().read().decode().splitlines()
                      if ": " in line)
    return fields.get("akhbar-worker")


def _check(result: FrontierRun, data: DataDir, sites: SampleSites, names: tuple[str, ...]) -> None:
    expected = {sites.base_urls[a.site] + a.url_path for a in catalog()
                if a.site in names and "non_html" not in a.flags}
    responses = Counter(c.url for c in iter_cdx(data.cdx) if c.mime != "warc/revisit" and c.status == "200")
    result.expected = len(expected)
    result.archived = sum(1 for u in expected if responses[u] >= 1)
    result.extra_captures = sum(responses[u] - 1 for u in expected if responses[u] > 1)
    config = BackendConfig.from_settings(os.environ)
    backend = open_backend(config.name, data, es=config.es)
    try:
        result.indexed = sum(1 for u in expected if backend.get(u) is not None)
        result.index_docs = backend.count()
    finally:
        backend.close()
    files = sorted(data.warc.glob("*.warc.gz"))
    result.warc_files = dict(Counter(worker_of(p.name) or "?" for p in files))
    result.warcinfo_ok = bool(files) and all(_warcinfo_worker(p) == worker_of(p.name) for p in files)
    result.warc_valid = bool(files) and warcio_check(files).returncode == 0 and not list(data.warc.glob("*.open"))


def table(runs: list[FrontierRun]) -> str:
    rows = ["| workers | SIGKILL mid-crawl | wall time | articles expected | archived | indexed | index docs "
            "| extra captures | WARC files per worker | warcio check |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in runs:
        files = ", ".join(f"{w}: {n}" for w, n in sorted(r.warc_files.items()))
        rows.append(f"| {r.workers} | {'w1, restarted' if r.killed else 'no'} | {r.seconds:.1f} s | {r.expected} "
                    f"| {r.archived} | {r.indexed} | {r.index_docs} | {r.extra_captures} | {files} "
                    f"| {'pass' if r.warc_valid else 'FAIL'} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    runs = [run(1), run(2), run(2, kill=True)]
    print(f"sample sites ({', '.join(SITES)}) on 127.0.0.1, {os.cpu_count()} cores, no download delay "
          "(the killed run: 0.1 s)\n")
    print(table(runs))
    for r in runs:
        for note in r.notes:
            print(f"\nnote ({r.workers} workers{', killed' if r.killed else ''}): {note}")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
