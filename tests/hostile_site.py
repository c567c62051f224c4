"""Hostile input at rest: a loopback news site serving a gzip bomb beside two good articles, and
archives built from it (real crawls, or real WARC files written with warcio), for
``tests/test_hostile_archive.py``.

``python -m tests.hostile_site`` is the acceptance measurement for the bomb (no target is asserted
in tests): it archives a 1 GiB gzip bomb and prints the peak RSS of ``akhbar replay``,
``akhbar reindex`` and of ``akhbar serve`` answering three parallel ``/archive`` and ``/api/replay``
requests for it.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core.config import DataDir
from crawler.profiles import load_profile
from crawler.warc import Exchange, WarcRotatingWriter
from tests.faultsite import LoopbackSite, article, quiet_handler, respond

MiB = 1024 * 1024
GOOD = {"/a/good-1": "مقال سليم أول عن موسم القطاف", "/a/good-2": "مقال سليم ثان عن مياه الري"}
BOMB_PATH = "/a/bomb"


@cache
def gzip_bomb(inflated: int) -> bytes:
    """``inflated`` bytes of an HTML page (a head, then zeros) as one gzip stream, about a
    thousandth of that size: what the crawl refuses to inflate but stores as sent."""
    head = article("قنبلة").encode()[:200]
    co = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [co.compress(head)]
    zeros = bytes(MiB)
    left = inflated - len(head)
    while left > 0:
        parts.append(co.compress(zeros[:min(left, MiB)]))
        left -= MiB
    parts.append(co.flush())
    return b"".join(parts)


class HostileArchiveSite(LoopbackSite):
    """Two good articles and a 300 MiB gzip bomb, listed in one feed, on 127.0.0.1."""

    def __init__(self, bomb_size: int = 300 * MiB) -> None:
        self.bomb = gzip_bomb(bomb_size)
        super().__init__(self._handler(), ThreadingHTTPServer)

    def url(self, path: str) -> str:
        return self.base + path

    def profile(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "hostile.toml"
        path.write_text(f'''
id = "hostile"
name_ar = "موقع عدائي"
name_en = "Hostile archive site"
country = "SY"
timezone = "Asia/Damascus"
verified = true
base_url = "{self.base}"
allowed_domains = ["127.0.0.1"]
feeds = ["/feed.xml"]
article_patterns = ['^http://127\\.0\\.0\\.1:{self.port}/a/']
''', encoding="utf-8")
        return path

    def route(self, path: str) -> tuple[str, bytes, list[tuple[str, str]]]:
        if path == "/robots.txt":
            return "text/plain", b"User-agent: *\nAllow: /\n", []
        if path == "/feed.xml":
            items = "".join(f"<item><title>x</title><link>{self.base}{p}</link></item>" for p in [*GOOD, BOMB_PATH])
            return "application/rss+xml", f'<?xml version="1.0"?><rss><channel>{items}</channel></rss>'.encode(), []
        if path in GOOD:
            return "text/html; charset=utf-8", article(GOOD[path]).encode(), []
        if path == BOMB_PATH:
            return "text/html; charset=utf-8", self.bomb, [("Content-Encoding", "gzip")]
        return "text/plain", b"", []

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        def answer(handler: BaseHTTPRequestHandler) -> None:
            ctype, body, extra = site.route(handler.path)
            respond(handler, 200 if body else 404, ctype, body, extra)

        return quiet_handler(answer)


def write_archive(data: DataDir, site: HostileArchiveSite, profiles: Path) -> Path:
    """The site's pages as one WARC file (with CDXJ) written the way the crawl writes them — the
    warcinfo records the source profile, so reindex classifies them — without crawling."""
    profile = load_profile(site.profile(profiles))
    info = {"source": profile.id, "akhbar-profile": json.dumps(profile.to_dict(), ensure_ascii=False)}
    writer = WarcRotatingWriter(data.warc, profile.id, cdx_directory=data.cdx, info=info)
    for path in [*GOOD, BOMB_PATH]:
        ctype, body, extra = site.route(path)
        writer.write(Exchange(
            url=site.url(path), method="GET", request_headers=[("Accept-Encoding", "gzip")], request_body=b"",
            status=200, response_headers=[("Content-Type", ctype), ("Content-Length", str(len(body))), *extra],
            body=body, ip_address="127.0.0.1", fetched=datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)))
    final = writer.close()
    assert final is not None
    return final


# -- the acceptance measurement (python -m tests.hostile_site) -------------------------------------

def _peak_rss_mib(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``cmd`` in a fresh child of a fresh Python, so RUSAGE_CHILDREN holds that command alone."""
    probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True); "
             "sys.stderr.buffer.write(p.stderr); print(p.returncode, len(p.stdout), "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=env, check=True)
    rc, out_len, rss_kib = proc.stdout.split()
    return int(rss_kib) / 1024, subprocess.CompletedProcess(cmd, int(rc), out_len, proc.stderr)


def _serve_and_measure(data: DataDir, env: dict[str, str], url: str) -> tuple[float, list[int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "akhbar.cli", "--data", str(data.root), "serve",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/api/search", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        query = urllib.parse.urlencode({"url": url})

        def get(path: str) -> int:
            try:
                return urllib.request.urlopen(f"{base}{path}?{query}", timeout=120).status
            except urllib.error.HTTPError as exc:
                return exc.code

        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(get, ["/archive", "/api/replay"] * 3))
        status = Path(f"/proc/{server.pid}/status").read_text()
        hwm_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
        return hwm_kib / 1024, statuses
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="akhbar-bomb-") as tmp, HostileArchiveSite(1024 * MiB) as site:
        data = DataDir(Path(tmp) / "data").ensure()
        profiles = Path(tmp) / "profiles"
        write_archive(data, site, profiles)
        env = {**os.environ, "AKHBAR_SOURCES": str(profiles), "AKHBAR_DATA": str(data.root)}
        cli = [sys.executable, "-m", "akhbar.cli", "--data", str(data.root)]
        bomb = site.url(BOMB_PATH)
        print(f"1 GiB gzip bomb: {len(site.bomb) / MiB:.2f} MiB stored in {next(data.warc.glob('*.warc.gz')).name}")
        for label, cmd in (("akhbar replay", [*cli, "replay", bomb]), ("akhbar reindex", [*cli, "reindex"])):
            started = time.perf_counter()
            rss, proc = _peak_rss_mib(cmd, env)
            took = time.perf_counter() - started
            last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
            print(f"{label:15} exit {proc.returncode}, peak RSS {rss:6.1f} MiB, {took:5.2f} s: {last[:150]}")
        hwm, statuses = _serve_and_measure(data, env, bomb)
        print(f"akhbar serve    3 parallel /archive + 3 /api/replay → {sorted(statuses)}, peak RSS {hwm:.1f} MiB")
        print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, building the bomb)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
