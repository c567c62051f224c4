"""Who a crawl worker is, and which workers of a data directory are gone.

A distributed crawl (``akhbar crawl --frontier``, ``crawler/frontier.py``) runs any number of worker
processes on one or more hosts. Each needs a name of its own: it goes into its WARC file names
(``SOURCE-YYYYMMDDHHMMSSmmm-NNNNN-WORKER.warc.gz``) and their ``warcinfo`` record, so workers never
write or recover each other's files, even in one shared WARC directory.

On a host, a worker holds an ``flock`` on ``state/locks/SOURCE@WORKER.lock`` for as long as it runs;
the kernel releases it when the process dies, even by ``kill -9``. So a lock file that nobody holds
names a worker of this host that is gone: its unfinished ``.open`` WARC files may be recovered. A
worker of another host has no lock file here, so its files are never touched from this host.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

_WORKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
# the tail of a WARC file name the writer made: -NNNNN-WORKER.warc.gz (with .open while written)
_WARC_TAIL = re.compile(r"-\d{17}-\d{5}-(?P<worker>[^/]+?)\.warc\.gz(?:\.open)?$")


def default_worker_id() -> str:
    """``HOST-PID``: unique on a host at any one time, and telling where a file came from."""
    host = socket.gethostname().split(".")[0] or "localhost"
    return check_worker_id(f"{re.sub(r'[^A-Za-z0-9_.-]', '-', host)}-{os.getpid()}")


def check_worker_id(value: str) -> str:
    """A worker id as it may appear in a file name: letters, digits, ``_ . -``, at most 63."""
    if not _WORKER_ID.fullmatch(value or ""):
        raise ValueError(f"bad worker id {value!r}: use letters, digits, '_', '.', '-' (at most 63, "
                         "starting with a letter or digit)")
    return value


def worker_of(warc_name: str) -> str | None:
    """The worker (or host) part of a WARC file name the writer made."""
    match = _WARC_TAIL.search(warc_name)
    return match.group("worker") if match else None


def lock_path(locks: Path, source: str, worker: str) -> Path:
    return Path(locks) / f"{source}@{worker}.lock"


def try_lock(path: Path, *, shared: bool = False) -> IO[str] | None:
    """An open handle holding an ``flock`` on ``path`` (created if missing), or None when another
    process holds it. Closing the handle releases the lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - the caller holds it for as long as the lock is wanted
    try:
        fcntl.flock(fh.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


@contextmanager
def gone_workers(locks: Path, source: str, keep: str) -> Iterator[set[str]]:
    """The workers of ``source`` that ran on this host and are gone (their lock file is free),
    ``keep`` excepted. Their locks are held inside the block, so a worker of that name restarting
    meanwhile cannot recover the same files at the same time; their lock files go afterwards."""
    held: list[tuple[Path, IO[str]]] = []
    try:
        for path in sorted(Path(locks).glob(f"{source}@*.lock")):
            worker = path.name[len(source) + 1: -len(".lock")]
            if worker == keep:
                continue
            fh = try_lock(path)
            if fh is not None:
                held.append((path, fh))
        yield {path.name[len(source) + 1: -len(".lock")] for path, _ in held}
    finally:
        for path, fh in held:
            with suppress(OSError):
                path.unlink()
            fh.close()
