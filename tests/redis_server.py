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


class RedisServer:
    """A private redis-server on one loopback port, its files in ``home``. ``durable``: every write
    goes to its append-only file, so :meth:`stop` then :meth:`start` is a restart that keeps the
    frontier (an outage, not a loss)."""

    def __init__(self, home: Path, durable: bool = False) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
        self.exe, self.home, self.durable = exe, home, durable
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.durable else ["--appendonly", "no"]
        self.proc = subprocess.Popen([self.exe, "--bind", "127.0.0.1", "--port", str(self.port), "--dir",
                                      str(self.home), "--save", "", *persistence, "--protected-mode", "yes"],
                                     stdout=open(self.home / "redis.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        client = Redis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    client.ping()
                    return self
                except RedisError:
                    if self.proc.poll() is not None:
                        raise RuntimeError("redis-server did not start: "
                                           + (self.home / "redis.log").read_text()[-2000:]) from None
                    time.sleep(0.05)
            raise RuntimeError("redis-server did not answer within 5 s")
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextmanager
def redis_server(durable: bool = False) -> Iterator[str]:
    """Start a private redis-server; yields its URL (``redis://127.0.0.1:PORT/0``); stops it after."""
    with running_redis(durable) as server:
        yield server.url


@contextmanager
def running_redis(durable: bool = False) -> Iterator[RedisServer]:
    """:class:`RedisServer`, started, in a temporary directory; stopped after."""
    with tempfile.TemporaryDirectory(prefix="akhbar-redis-") as tmp:
        server = RedisServer(Path(tmp), durable).start()
        try:
            yield server
        finally:
            server.stop()
