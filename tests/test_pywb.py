"""Interoperability: pywb (from PyPI; its own venv .venv/pywb) replays our WARC files through our CDXJ, unchanged.

pywb's collection config points straight at the crawl's ``warc/`` and ``cdx/`` directories: no
``wb-manager add``, no reindexing, no copy. Importing pywb's app monkey-patches the whole process
with gevent, so it runs as pywb's own ``wayback`` server in a subprocess on a loopback port. What it
finds and serves must be what ``core.archive`` finds and serves.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from core.archive import find_captures, replay
from samples.catalog import catalog

pytestmark = pytest.mark.slow
# pywb pins redis==2.10.6, older than the frontier's scrapy-redis allows: `make install` gives it a
# venv of its own (.venv/pywb, from pyproject's "pywb" dependency group); only its server is used
WAYBACK = Path(sys.prefix) / "pywb" / "bin" / "wayback"


def _digest(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


class Wayback:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **params: str) -> tuple[int, bytes]:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@contextmanager
def wayback_server(root: Path, index_paths: Path, archive_paths: Path) -> Iterator[Wayback]:
    """pywb's ``wayback`` on a loopback port, its collection ``akhbar`` reading these CDXJ and WARC
    directories (also used on the WARCs inside an exported WACZ: tests/test_export.py)."""
    config = {"collections": {"akhbar": {"index_paths": str(index_paths),
                                         "archive_paths": str(archive_paths) + "/"}}}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = WAYBACK
    assert exe.exists(), f"pywb is not installed at {exe}: run `make install` (pip install --group pywb there)"
    log = open(root / "wayback.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(exe), "-p", str(port), "-b", "127.0.0.1"], cwd=root, stdout=log, stderr=log)
    server = Wayback(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if server.get("/akhbar/cdx", url="http://127.0.0.1/")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("pywb did not start: " + (root / "wayback.log").read_text()[-3000:])
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def wayback(crawl, tmp_path_factory):
    assert crawl.proc.returncode == 0, crawl.proc.stderr[-3000:]
    with wayback_server(tmp_path_factory.mktemp("pywb"), crawl.data.cdx, crawl.data.warc) as server:
        yield server


def _seeds(crawl) -> list[str]:
    return [crawl.url(a.site, a.url_path) for a in catalog() if "seed" in a.flags]


def test_pywb_finds_the_same_captures(crawl, wayback):
    for url in _seeds(crawl):
        status, body = wayback.get("/akhbar/cdx", url=url, output="json")
        assert status == 200
        rows = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        assert [r["timestamp"] for r in rows] == [c.timestamp for c in find_captures(url, crawl.data)]


def test_pywb_replays_the_archived_bytes(crawl, wayback):
    before = _digest(sorted(crawl.data.warc.glob("*.warc.gz")) + sorted(crawl.data.cdx.glob("*.cdxj")))
    for url in _seeds(crawl):
        ours = replay(url, crawl.data)
        ts = ours.capture.timestamp
        status, raw = wayback.get(f"/akhbar/{ts}id_/{url}")  # id_: the payload as archived, no rewriting
        assert status == 200, url
        assert raw in (ours.raw, ours.body), f"pywb's identity replay differs from ours for {url}"
        status, page = wayback.get(f"/akhbar/{ts}mp_/{url}")  # rewritten replay (the frame's content)
        assert status == 200
        page_text = gzip.decompress(page) if page[:2] == b"\x1f\x8b" else page
        title = ours.body.decode("utf-8").split("<title>", 1)[1].split("</title>", 1)[0]
        assert title.strip() and title.strip() in page_text.decode("utf-8")
    after = _digest(sorted(crawl.data.warc.glob("*.warc.gz")) + sorted(crawl.data.cdx.glob("*.cdxj")))
    assert before == after, "pywb read the archive as it is"
