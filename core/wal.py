"""SQLite files that several processes open at once (the fetch log, the embedded index): opened in
WAL mode without a race.

Switching a new database file to WAL takes an exclusive lock, and SQLite answers "database is
locked" at once, without waiting on the busy timeout, to a second process that opens the file in
that moment: two crawl workers starting together on one data directory lost one of them that way
(every request it took failed). The switch is retried here until the timeout instead; once the file
is in WAL mode (it stays so), later opens pass straight through.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

_RETRY_PAUSE = 0.02


def connect_wal(path: str | Path, timeout: float = 30.0, **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect(path, timeout=timeout, **kwargs)`` with the journal in WAL mode and
    ``synchronous=NORMAL`` (safe in WAL: a power cut may lose the last commits, never the file)."""
    db = sqlite3.connect(path, timeout=timeout, **kwargs)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(_RETRY_PAUSE)
        db.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        db.close()
        raise
    return db
