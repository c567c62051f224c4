"""One merged capture index for the whole archive: a SQLite table keyed by SURT, beside ``cdx/``.

Why SQLite and not one more CDXJ (or pywb's ZipNum): a lookup in the per-WARC CDXJ files costs one
binary search per file, so replay slows down as the archive grows; a single sorted file fixes the
lookup but has to be rewritten whole to take in one WARC's lines. A B-tree keyed by (SURT, time)
takes one file's lines in one transaction, answers a lookup in a few page reads at any size, and its
transactions make concurrent updates by several crawl processes and a kill mid-update safe with no
code of ours. The per-WARC CDXJ files stay the archive's index for pywb and ``wacz``; this index is
derived from them and can always be rebuilt from them (docs/capture-index.md).

How it stays equal to the CDXJ files:

- ``crawler.warc.write_cdxj`` merges each new CDXJ file as it writes it (:func:`merge_file`);
- every lookup first compares the ``cdx/`` directory's identity and mtime with the ones recorded at
  the last complete synchronisation; when they differ (a file added, replaced or removed — by a
  crawl killed before it merged, another tool, or the first run on an existing data directory), the
  files whose name, size or mtime the ledger does not have are merged and the rows of vanished ones
  dropped before answering. A directory changed within the last two seconds is not trusted (its
  mtime may not move again for a change in the same clock tick): until then each lookup compares
  the directory's CDXJ names with the ones it merged (one listing, no stat per file).
- the ledger row of a CDXJ file is written in the transaction that inserts its lines, so a crash
  leaves either the whole file or nothing of it, and "nothing" is found by the next lookup.

A damaged index file (cut short, overwritten, not a database) is detected when it is opened (the
header names more pages than the file holds, confirmed by ``PRAGMA quick_check``) or on any read
that SQLite calls corrupt, logged in one line and replaced by a new one built from the CDXJ files.
Index files are generations with names never reused (``capture-index/merged-<ns>-<pid>.sqlite``):
a damaged one is discarded by removing its files after its successor exists, so a process still
holding the old one can never touch the new one's journal. An index that cannot be used at all
(read-only data directory, busy past the timeout) raises :class:`IndexUnavailable`, and
``core.archive.find_captures`` then reads the CDXJ files as before.
"""

from __future__ import annotations

import fcntl
import heapq
import logging
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

from core.cdxj import Capture, parse_line
from core.config import DataDir

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
BUSY_TIMEOUT = 30.0  # seconds a lookup or merge waits for another process's transaction
RACY_NS = 2_000_000_000  # a directory mtime this recent may hide a change made in the same tick
BATCH_ROWS = 50_000  # rows per transaction while catching up with many files
MERGE_FILES = 256  # CDXJ files merged in key order at once (open at once) while catching up
_T = TypeVar("_T")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('schema', '{SCHEMA_VERSION}');
CREATE TABLE IF NOT EXISTS cdxj (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, lines INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS warc (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS capture (
    urlkey TEXT NOT NULL, timestamp TEXT NOT NULL, cdxj INTEGER NOT NULL, line INTEGER NOT NULL,
    url TEXT NOT NULL, status TEXT NOT NULL, mime TEXT NOT NULL, digest TEXT NOT NULL,
    warc INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
    PRIMARY KEY (urlkey, timestamp, cdxj, line)) WITHOUT ROWID;
"""
# The per-file lookup concatenates the files in name order and sorts by time (stably), so ties in
# time come in file-name order, then line order: the same order here.
_LOOKUP = """
SELECT c.urlkey, c.timestamp, c.url, c.status, c.mime, c.digest, w.name, c.offset, c.length
FROM capture c JOIN cdxj f ON f.id = c.cdxj JOIN warc w ON w.id = c.warc
WHERE c.urlkey = ? ORDER BY c.timestamp, f.name, c.line
"""
_DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class IndexUnavailable(RuntimeError):
    """The merged index cannot be used just now (read-only, busy, I/O error): read the CDXJ files."""


class _Damaged(Exception):
    """The open index file is damaged (raised inside this module only, handled by replacing it)."""


def _is_damage(exc: sqlite3.Error) -> bool:
    return str(getattr(exc, "sqlite_errorname", "")).startswith(_DAMAGE_CODES)


class CaptureIndex:
    """The merged index of one ``cdx/`` directory, for one thread (see :func:`for_cdx`)."""

    def __init__(self, cdx_dir: Path) -> None:
        self.cdx_dir = Path(cdx_dir)
        data = DataDir(self.cdx_dir.parent)
        self.home = data.capture_index
        self.lock_path = data.locks / "capture-index.lock"
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._ino: int | None = None
        self._synced: str | None = None  # the directory token this connection last saw fully merged
        self._racy: str | None = None  # a token scanned while too recent to trust, and its CDXJ names
        self._known: frozenset[str] = frozenset()
        self._warcs: dict[str, int] = {}

    # -- public -------------------------------------------------------------------------------
    def lookup(self, key: str) -> list[Capture]:
        """Every capture of one SURT key, oldest first, after taking in any change to ``cdx/``. No
        ``cdx/`` at all is an empty archive: nothing is created for it."""
        if not self.cdx_dir.is_dir():
            return []

        def run(db: sqlite3.Connection) -> list[Capture]:
            self._sync(db)
            return [Capture(*row) for row in db.execute(_LOOKUP, (key,))]
        return self._run(run)

    def merge(self, cdxj: Path) -> int:
        """Take in one CDXJ file (new or rewritten); returns the captures added."""
        def run(db: sqlite3.Connection) -> int:
            with self._write(db):
                return self._merge(db, [Path(cdxj)])
        return self._run(run)

    def sync(self) -> None:
        """Take in every change to ``cdx/`` (what a lookup does first)."""
        self._run(self._sync)

    def rebuild(self) -> tuple[int, int]:
        """A new index from the CDXJ files alone (the current one is discarded); returns (files,
        captures). Lookups in other processes meanwhile finish the build with this one or wait."""
        self._run(lambda db: None)  # a damaged index is replaced (and said so) on the way
        self._replace(self.path, None)
        self.sync()
        return self.stats()

    def stats(self) -> tuple[int, int]:
        """(CDXJ files, captures) in the index."""
        def run(db: sqlite3.Connection) -> tuple[int, int]:
            files, lines = db.execute("SELECT count(*), coalesce(sum(lines), 0) FROM cdxj").fetchone()
            return int(files), int(lines)
        return self._run(run)

    def checkpoint(self) -> None:
        """Move the write-ahead log into the index file (so its size on disk is the index's)."""
        self._run(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    def files(self) -> list[Path]:
        """The current generation's files on disk (the index, its log and shared memory)."""
        if self.path is None:
            return []
        return [p for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")) if p.exists()]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = self.path = self._ino = self._synced = self._racy = None
        self._warcs = {}

    # -- running with recovery ----------------------------------------------------------------
    def _run(self, op: Callable[[sqlite3.Connection], _T]) -> _T:
        for _ in range(3):
            try:
                db = self._ensure_open()
                return op(db)
            except _Damaged as exc:
                self._replace(self.path, str(exc))
            except sqlite3.DatabaseError as exc:
                if not _is_damage(exc):
                    raise IndexUnavailable(f"capture index {self.path}: {exc}") from exc
                self._replace(self.path, f"{exc} ({exc.sqlite_errorname})")
            except OSError as exc:
                raise IndexUnavailable(f"capture index in {self.home}: {exc.strerror or exc}") from exc
        raise IndexUnavailable(f"capture index in {self.home}: still damaged after being rebuilt twice")

    def _ensure_open(self) -> sqlite3.Connection:
        """The connection to the current generation, reopened when that file was replaced."""
        if self._db is not None and self.path is not None:
            try:
                if os.stat(self.path).st_ino == self._ino:
                    return self._db
            except FileNotFoundError:
                pass
            logger.info("capture index %s was replaced: reopening", self.path.name)
            self.close()
        self.home.mkdir(parents=True, exist_ok=True)
        path = self._current()
        if path is None:
            with self._locked():
                path = self._current() or self._create()
        if _looks_truncated(path) and not _passes_quick_check(path):
            self.path = path
            raise _Damaged("the file is shorter than its header says (cut short) and fails quick_check")
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT,
                                 isolation_level=None)
        except sqlite3.OperationalError:
            if path.exists():
                raise
            return self._ensure_open()  # replaced between the listing and the open
        self.path, self._ino, self._db = path, path.stat().st_ino, db
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA cache_size = -32000")
        version = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if not version or version[0] != SCHEMA_VERSION:
            raise _Damaged(f"schema {version[0] if version else 'missing'} where {SCHEMA_VERSION} was expected")
        return db

    def _current(self) -> Path | None:
        """The newest generation (names never reused: ``merged-<ns>-<pid>.sqlite``)."""
        best: tuple[int, int] | None = None
        found = None
        for path in self.home.glob("merged-*-*.sqlite"):
            try:
                stamp = tuple(int(part) for part in path.stem.split("-")[1:3])
            except ValueError:
                continue
            if best is None or stamp > best:
                best, found = stamp, path
        return found

    def _create(self) -> Path:
        """A new, empty generation (under the lock); leftovers of removed ones are cleared. It is
        made under another name and renamed when its schema is in: a process that lists the
        generations without the lock (``_ensure_open``) must never open one still being made."""
        for stray in self.home.glob("building-*.sqlite*"):  # a creator killed mid-way (we hold the lock)
            stray.unlink(missing_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}.sqlite"
        building, path = self.home / f"building-{name}", self.home / f"merged-{name}"
        db = sqlite3.connect(building, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
        finally:
            db.close()  # the last connection: its log is folded into the file and removed
        os.replace(building, path)
        for stray in self.home.glob("merged-*.sqlite-*"):
            if not Path(str(stray).rsplit("-", 1)[0]).exists():
                stray.unlink(missing_ok=True)
        cdxj = sum(1 for _ in self.cdx_dir.glob("*.cdxj")) if self.cdx_dir.is_dir() else 0
        logger.info("capture index %s created: merging %d CDXJ files into it", path.name, cdxj)
        return path

    def _replace(self, damaged: Path | None, reason: str | None) -> None:
        """Put a new generation in place of ``damaged`` (unless another process already did), then
        remove the old one's files. ``reason`` None: a rebuild that was asked for."""
        self.close()
        with self._locked():
            current = self._current()
            if damaged is not None and current != damaged:
                return  # someone replaced it first
            if reason:
                logger.error("capture index %s is damaged (%s): rebuilding it from the CDXJ files in %s",
                             damaged, reason, self.cdx_dir)
            self._create()
            if damaged is not None:
                for path in (damaged, Path(f"{damaged}-wal"), Path(f"{damaged}-shm")):
                    path.unlink(missing_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive ``flock`` in ``state/locks`` while generations are created or removed (the
        kernel releases it even on ``kill -9``)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def _write(self, db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                db.execute("ROLLBACK")
            self._warcs = {}  # ids handed out in the rolled-back transaction are gone
            raise
        db.execute("COMMIT")

    # -- synchronising with cdx/ ---------------------------------------------------------------
    def _sync(self, db: sqlite3.Connection) -> None:
        try:
            st = os.stat(self.cdx_dir)
        except FileNotFoundError:
            st = None
        token = f"{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}" if st else "missing"
        if token == self._synced:
            return
        stored = db.execute("SELECT value FROM meta WHERE name = 'cdx_dir'").fetchone()
        if stored and stored[0] == token:
            self._synced = token
            return
        now = time.time_ns()
        if st is not None and token == self._racy and self._names() == self._known:
            # scanned at this very mtime moments ago: a change since then that left the mtime alone
            # would have to be in the same clock tick, so comparing the names (one getdents, no
            # stat per file) is enough until the mtime is old enough to be trusted
            if now - st.st_mtime_ns > RACY_NS:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('cdx_dir', ?)", (token,))
                self._synced = token
            return
        on_disk = {}
        if st is not None:
            for entry in os.scandir(self.cdx_dir):
                if entry.name.endswith(".cdxj") and entry.is_file():
                    est = entry.stat()
                    on_disk[entry.name] = (est.st_size, est.st_mtime_ns)
        ledger = {name: (size, mtime) for name, size, mtime in db.execute("SELECT name, size, mtime_ns FROM cdxj")}
        todo = sorted(name for name, seen in on_disk.items() if ledger.get(name) != seen)
        gone = sorted(name for name in ledger if name not in on_disk)
        rows = 0
        if todo or gone:
            db.execute("BEGIN IMMEDIATE")
            try:
                for name in gone:
                    self._drop(db, name)
                for start in range(0, len(todo), MERGE_FILES):
                    rows += self._merge(db, [self.cdx_dir / name for name in todo[start:start + MERGE_FILES]])
                    if rows >= BATCH_ROWS:  # keep a long catch-up's progress and let writers in
                        db.execute("COMMIT")
                        rows = 0
                        db.execute("BEGIN IMMEDIATE")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                self._warcs = {}
                raise
            db.execute("COMMIT")
            logger.info("capture index: merged %d CDXJ files, dropped %d", len(todo), len(gone))
        self._racy, self._known = token, frozenset(on_disk)
        if st is not None and now - st.st_mtime_ns > RACY_NS:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('cdx_dir', ?)", (token,))
            self._synced = token

    def _names(self) -> frozenset[str]:
        try:
            return frozenset(name for name in os.listdir(self.cdx_dir) if name.endswith(".cdxj"))
        except FileNotFoundError:
            return frozenset()

    def _drop(self, db: sqlite3.Connection, name: str) -> None:
        """A CDXJ file gone from ``cdx/``: its captures leave the index (a full scan: rare)."""
        if (self.cdx_dir / name).exists():
            return
        row = db.execute("SELECT id FROM cdxj WHERE name = ?", (name,)).fetchone()
        if row:
            db.execute("DELETE FROM capture WHERE cdxj = ?", row)
            db.execute("DELETE FROM cdxj WHERE id = ?", row)

    def _merge(self, db: sqlite3.Connection, paths: list[Path]) -> int:
        """CDXJ files' lines, inside the caller's write transaction; returns the captures added. A
        file the ledger already has as it is now (another process merged it first) is skipped.
        The files are each sorted, so a k-way merge of them gives their lines in key order and the
        B-tree fills front to back (a first build of 10^6 captures: far fewer page writes than
        inserting file after file)."""
        with ExitStack() as stack:
            runs, stats, names = [], {}, {}
            for path in paths:
                try:
                    fh = stack.enter_context(open(path, "rb"))
                except FileNotFoundError:
                    self._drop(db, path.name)
                    continue
                st = os.fstat(fh.fileno())
                row = db.execute("SELECT id, size, mtime_ns FROM cdxj WHERE name = ?", (path.name,)).fetchone()
                if row and (row[1], row[2]) == (st.st_size, st.st_mtime_ns):
                    continue
                if row:
                    file_id = row[0]
                    db.execute("DELETE FROM capture WHERE cdxj = ?", (file_id,))
                else:
                    file_id = db.execute("INSERT INTO cdxj (name, size, mtime_ns, lines) VALUES (?, 0, 0, 0)",
                                         (path.name,)).lastrowid
                stats[file_id], names[file_id] = [st, 0], path
                runs.append(_lines(fh, file_id))
            batch: list[tuple] = []
            for raw, file_id, n in heapq.merge(*runs):
                if cap := parse_line(raw, names[file_id]):
                    batch.append((cap.urlkey, cap.timestamp, file_id, n, cap.url, cap.status, cap.mime, cap.digest,
                                  self._warc_id(db, cap.filename), cap.offset, cap.length))
                    stats[file_id][1] += 1
                if len(batch) >= 10_000:
                    db.executemany("INSERT INTO capture VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                    batch = []
            db.executemany("INSERT INTO capture VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        for file_id, (st, count) in stats.items():
            db.execute("UPDATE cdxj SET size = ?, mtime_ns = ?, lines = ? WHERE id = ?",
                       (st.st_size, st.st_mtime_ns, count, file_id))
        return sum(count for _, count in stats.values())

    def _warc_id(self, db: sqlite3.Connection, name: str) -> int:
        if (found := self._warcs.get(name)) is None:
            db.execute("INSERT OR IGNORE INTO warc (name) VALUES (?)", (name,))
            found = self._warcs[name] = db.execute("SELECT id FROM warc WHERE name = ?", (name,)).fetchone()[0]
        return found


def _lines(fh, file_id: int) -> Iterator[tuple[bytes, int, int]]:
    """The capture lines of one open CDXJ file as (line, file id, line number): a sorted run."""
    for n, raw in enumerate(fh):
        if raw.strip() and not raw.startswith(b"!"):
            yield raw, file_id, n


def _looks_truncated(path: Path) -> bool:
    """Whether the SQLite header promises more pages than the file holds (a file cut short). The
    header's page count is only meaningful when its "valid for" counter matches the change counter."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
            size = os.fstat(fh.fileno()).st_size
    except OSError:
        return False
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return False  # empty (being created) or not a database at all: SQLite itself says which
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change, pages, valid_for = (struct.unpack(">I", head[i:i + 4])[0] for i in (24, 28, 92))
    return valid_for == change and pages * page_size > size


def _passes_quick_check(path: Path) -> bool:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
        try:
            return db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return False


_local = threading.local()


def for_cdx(cdx_dir: Path) -> CaptureIndex:
    """This thread's index of ``cdx_dir`` (SQLite connections stay in their thread and process)."""
    cache = getattr(_local, "indexes", None)
    if cache is None or getattr(_local, "pid", None) != os.getpid():
        cache = _local.indexes = {}
        _local.pid = os.getpid()
    key = str(Path(cdx_dir).resolve())
    if key not in cache:
        cache[key] = CaptureIndex(Path(key))
    return cache[key]


def merge_file(cdxj: Path) -> None:
    """Take a just-written CDXJ file into the merged index of its directory. Never raises: when the
    index is unusable now, the next lookup takes the file in (it is in ``cdx/``, not in the ledger)."""
    try:
        for_cdx(cdxj.parent).merge(cdxj)
    except (IndexUnavailable, OSError, sqlite3.Error) as exc:
        logger.warning("capture index: %s left for the next lookup to merge (%s)", cdxj.name, exc)


def lookup(cdx_dir: Path, key: str) -> list[Capture]:
    return for_cdx(cdx_dir).lookup(key)
