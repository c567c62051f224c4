"""Where Akhbar keeps its data: one directory holding everything, every path derived from it here.

The directory holds ``warc/`` (the system of record), ``cdx/`` (CDXJ indexes beside the WARCs),
``capture-index/`` (those merged into one, derived), ``index.sqlite`` (the embedded search index,
derived) and ``state/``. It reaches the code two ways, and only these: the application reads
``AKHBAR_DATA`` (``DataDir.from_env``, default ``./akhbar-data``); a crawl component reads the one
Scrapy setting ``AKHBAR_DATA_DIR`` (``DataDir.from_settings``). No component is given a path to a
part of the directory, so no two components can disagree about where a part lives.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "akhbar-data"
DATA_DIR_SETTING = "AKHBAR_DATA_DIR"  # the one Scrapy setting that names the data directory
CAPTURE_INDEX_DIR = "capture-index"  # the merged capture index, beside cdx/ (core/capture_index.py)


class DataDirError(OSError):
    """The data directory (or a part of it) cannot be created or written."""


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def from_env(cls, override: str | os.PathLike | None = None) -> DataDir:
        """For the application (``--data`` wins over ``AKHBAR_DATA``); components use ``from_settings``."""
        return cls(Path(override or os.environ.get("AKHBAR_DATA") or DEFAULT_DATA_DIR).resolve())

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> DataDir:
        """For a crawl component: the ``AKHBAR_DATA_DIR`` setting (a relative path is taken from the
        working directory, as ``scrapy crawl`` users expect). Takes any mapping with ``get`` — Scrapy's
        ``Settings`` or a dict — so ``core`` needs no Scrapy."""
        return cls(Path(str(settings.get(DATA_DIR_SETTING) or DEFAULT_DATA_DIR)).resolve())

    @property
    def warc(self) -> Path:
        return self.root / "warc"

    @property
    def cdx(self) -> Path:
        return self.root / "cdx"

    @property
    def capture_index(self) -> Path:
        """The merged capture index (derived from ``cdx/``, rebuilt from it when missing)."""
        return self.root / CAPTURE_INDEX_DIR

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
        """The Scrapy settings naming this directory: ``AKHBAR_DATA_DIR``, from which every component
        derives its paths with ``from_settings``."""
        return {DATA_DIR_SETTING: str(self.root)}

    def ensure(self) -> DataDir:
        for path in (self.warc, self.cdx, self.state):
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                kind = "WARC directory" if path == self.warc else "data directory"
                raise DataDirError(f"{kind} {path} is not usable: {exc.strerror or exc}") from exc
        return self
