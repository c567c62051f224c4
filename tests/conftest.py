"""Fixtures: the bundled sample sites on ephemeral loopback ports, and one real crawl of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from akhbar.demo import FAST
from core.config import DataDir


@dataclass
class Crawl:
    data: DataDir
    base_urls: dict[str, str]
    proc: subprocess.CompletedProcess
    report: list[dict]

    def url(self, site: str, path: str) -> str:
        return self.base_urls[site].rstrip("/") + path


def akhbar(*args: str, data: DataDir | None = None, check: bool = True, timeout: int = 600,
           env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the real `akhbar` CLI in a subprocess (Scrapy's reactor cannot restart in-process)."""
    cmd = [sys.executable, "-m", "akhbar.cli"]
    if data is not None:
        cmd += ["--data", str(data.root)]
    proc = subprocess.run([*cmd, *args], capture_output=True, timeout=timeout, check=False,
                          env={**(env or os.environ), "PYTHONIOENCODING": "utf-8"}, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"akhbar {' '.join(args)} exited {proc.returncode}\n"
                             f"stdout: {proc.stdout[-3000:]!r}\nstderr: {proc.stderr[-6000:]!r}")
    return proc


@pytest.fixture(scope="session")
def sample_sites():
    from samples.server import SampleSites

    sites = SampleSites()
    sites.start(ports={"watan": 0, "dw": 0, "aggregator": 0})
    yield sites
    sites.stop()


@pytest.fixture(scope="session")
def crawl(sample_sites, tmp_path_factory) -> Crawl:
    data = DataDir(tmp_path_factory.mktemp("akhbar-data")).ensure()
    moves = [f"--base-url=sample-{site}={url}" for site, url in sample_sites.base_urls.items()]
    fast = [f"--set={k}={v}" for k, v in FAST.items()]
    proc = akhbar("crawl", "sample-watan", "sample-dw", "sample-aggregator", "--no-progress", *moves, *fast,
                  data=data, check=False)
    reports = sorted((data.state / "reports").glob("crawl-*.json"))
    report = json.loads(reports[-1].read_text()) if reports else []
    return Crawl(data, dict(sample_sites.base_urls), proc, report)


@pytest.fixture
def tmp_data(tmp_path) -> DataDir:
    return DataDir(Path(tmp_path)).ensure()
