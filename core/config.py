"""Where Akhbar keeps its data, from the environment, with one directory holding everything.

``AKHBAR_DATA`` (default ``./akhbar-data``) holds ``warc/`` (the system of record), ``cdx/`` (CDXJ
indexes beside the WARCs), ``index.sqlite`` (the embedded search index, derived) and ``state/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "akhbar-data"


class DataDirError(OSError):
    """The data directory (or a part of it) cannot be created or written."""


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def from_env(cls, override: str | os.PathLike | None = None) -> DataDir:
        return cls(Path(override or os.environ.get("AKHBAR_DATA") or DEFAULT_DATA_DIR).resolve())

    @property
    def warc(self) -> Path:
        return self.root / "warc"

    @property
    def cdx(self) -> Path:
        return self.root / "cdx"

    @property
    def index(self) -> Path:
        return self.root / "index.sqlite"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def fetchlog(self) -> Path:
        return self.state / "fetchlog.sqlite"

    @property
    def spool(self) -> Path:
        return self.state / "spool"

    @property
    def boilerplate(self) -> Path:
        return self.state / "boilerplate"

    @property
    def locks(self) -> Path:
        return self.state / "locks"

    @property
    def reports(self) -> Path:
        return self.state / "reports"

    def settings(self) -> dict[str, str]:
        """The Scrapy settings naming these places (what the crawl components read)."""
        return {
            "AKHBAR_DATA_DIR": str(self.root), "AKHBAR_WARC_DIR": str(self.warc), "AKHBAR_CDX_DIR": str(self.cdx),
            "AKHBAR_INDEX_PATH": str(self.index), "AKHBAR_FETCHLOG_PATH": str(self.fetchlog),
            "AKHBAR_SPOOL_DIR": str(self.spool), "AKHBAR_BOILERPLATE_DIR": str(self.boilerplate),
            "AKHBAR_LOCK_DIR": str(self.locks),
        }

    def ensure(self) -> DataDir:
        for path in (self.warc, self.cdx, self.state):
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                kind = "WARC directory" if path == self.warc else "data directory"
                raise DataDirError(f"{kind} {path} is not usable: {exc.strerror or exc}") from exc
        return self
