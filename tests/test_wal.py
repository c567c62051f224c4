"""Several processes opening one new SQLite file at once (crawl workers starting together on one
data directory): every one of them opens it. Switching a new file to WAL answered "database is
locked" at once to about half of such races, and the worker that lost failed every request."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from crawler.fetchlog import FetchLog
from index.embedded import EmbeddedBackend


def _open(kind: str, path: str, start: float) -> str:
    while time.time() < start:  # all of them at the same moment
        pass
    try:
        (FetchLog(path) if kind == "fetchlog" else EmbeddedBackend(path)).close()
    except Exception as exc:  # noqa: BLE001 - the answer is what the test looks at
        return repr(exc)
    return "ok"


@pytest.mark.parametrize("kind", ["fetchlog", "index"])
def test_a_new_file_opened_by_several_processes_at_once(tmp_path: Path, kind: str):
    with multiprocessing.get_context("fork").Pool(3) as pool:
        for n in range(24):
            start = time.time() + 0.05
            answers = pool.starmap(_open, [(kind, str(tmp_path / f"{n}.sqlite"), start)] * 3)
            assert answers == ["ok"] * 3, f"round {n}: {answers}"
    with FetchLog(tmp_path / "0.sqlite") if kind == "fetchlog" else EmbeddedBackend(tmp_path / "0.sqlite") as db:
        assert db._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
