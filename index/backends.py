"""Pick a search backend by name: the embedded SQLite FTS5 default, or Elasticsearch when configured."""

from __future__ import annotations

import os

from akhbar.config import DataDir
from index.base import SearchBackend

BACKENDS = ("embedded",)


def default_backend_name() -> str:
    return os.environ.get("AKHBAR_BACKEND", "embedded")


def open_backend(name: str | None = None, data: DataDir | None = None, *,
                 lock_timeout: float = 30.0) -> SearchBackend:
    """``lock_timeout``: how long the embedded backend waits for a competing writer."""
    name = name or default_backend_name()
    data = data or DataDir.from_env()
    if name == "embedded":
        from index.embedded import EmbeddedBackend

        data.root.mkdir(parents=True, exist_ok=True)
        return EmbeddedBackend(data.index, busy_timeout=lock_timeout)
    raise ValueError(f"unknown search backend {name!r}; available: {', '.join(BACKENDS)}")
