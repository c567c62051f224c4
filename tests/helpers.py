"""Shared test helpers (not fixtures)."""

from __future__ import annotations

from pathlib import Path

from core.archive import warcio_check as _check


def warcio_check(paths: list[Path]):
    """The real `warcio check -v` on the given files."""
    return _check(paths, verbose=True)


def crawl_edit_check_live(sites, root: Path, env: dict[str, str] | None = None) -> tuple:
    """A crawl of the sample Al-Watan site, its «edit» mode (one text and one headline edited, one
    article 404, one 410, one redirected), then ``akhbar check-live``: (data, edited paths, the
    site's base URL, check-live's output). ``env``: the commands' environment (a backend)."""
    from core.config import DataDir
    from tests.conftest import akhbar
    from tests.test_incremental import _crawl_args, _fast

    data = DataDir(root).ensure()
    akhbar(*_crawl_args(sites, ("watan",)), *_fast(), data=data, env=env)
    try:
        paths = sites.edit_articles("watan")
        move = f"--base-url=sample-watan={sites.base_urls['watan']}"
        proc = akhbar("check-live", "sample-watan", move, "--no-progress", *_fast(), data=data, env=env)
    finally:
        sites.edits = {}
    return data, paths, sites.base_urls["watan"], proc.stdout.decode()
