"""A real ``redis-server`` (Debian's package; ``.ci/run`` installs it) on a free loopback port, with
its files in a temporary directory, for the distributed-crawl tests and ``bench/frontier.py``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server() -> Iterator[str]:
    """Start a private redis-server; yields its URL (``redis://127.0.0.1:PORT/0``); stops it after."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
    with tempfile.TemporaryDirectory(prefix="akhbar-redis-") as tmp:
        port = _free_port()
        proc = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(port), "--dir", tmp, "--save", "",
                                 "--appendonly", "no", "--protected-mode", "yes"],
                                stdout=open(Path(tmp) / "redis.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        url = f"redis://127.0.0.1:{port}/0"
        client = Redis.from_url(url)
        try:
            for _ in range(100):
                try:
                    client.ping()
                    break
                except RedisError:
                    if proc.poll() is not None:
                        raise RuntimeError("redis-server did not start: "
                                           + (Path(tmp) / "redis.log").read_text()[-2000:]) from None
                    time.sleep(0.05)
            else:
                raise RuntimeError("redis-server did not answer within 5 s")
            yield url
        finally:
            client.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
