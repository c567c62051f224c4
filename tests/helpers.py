"""Shared test helpers (not fixtures)."""

from __future__ import annotations

from pathlib import Path

from core.archive import warcio_check as _check


def warcio_check(paths: list[Path]):
    """The real `warcio check -v` on the given files."""
    return _check(paths, verbose=True)
