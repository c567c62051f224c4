"""Soak test with fault injection against the bundled sample sites.

Rounds of real crawls where the crawler is killed with SIGKILL at a random moment and the search
index is made unavailable for whole rounds (another process holds the embedded index's write lock;
with ``AKHBAR_BACKEND=elasticsearch`` the engine is stopped with ``scripts/search-engine stop``), then
a final undisturbed crawl. Afterwards it checks what users rely on and prints a table:

    expected articles == archived == indexed, duplicates == 0, every WARC passes `warcio check`.

    python -m bench.soak --rounds 6 --kill-every 2 --outage-every 3
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.archive import iter_cdx, warcio_check
from core.config import DataDir
from index.backends import BackendConfig, open_backend
from samples.catalog import catalog
from samples.server import SampleSites

SITES = ("watan", "dw", "aggregator")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SoakResult:
    rounds: int = 0
    kills: int = 0
    outages: int = 0
    pages_fetched: int = 0
    expected: int = 0
    archived: int = 0
    indexed: int = 0
    duplicates: int = 0
    warc_files: int = 0
    warc_valid: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.expected == self.archived == self.indexed and self.duplicates == 0 and self.warc_valid

    def table(self) -> str:
        rows = [("rounds", self.rounds), ("kills (SIGKILL)", self.kills), ("index outages", self.outages),
                ("pages fetched", self.pages_fetched), ("articles expected", self.expected),
                ("articles archived", self.archived), ("articles indexed", self.indexed),
                ("duplicates", self.duplicates), ("WARC files checked", self.warc_files),
                ("warcio check", "pass" if self.warc_valid else "FAIL"), ("verdict", "OK" if self.ok else "FAIL")]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"| {k:<{width}} | {v!s:>8} |" for k, v in rows)


class _Outage:
    """The search backend unavailable for one crawl round."""

    def __init__(self, data: DataDir) -> None:
        self.data = data
        self.holder: sqlite3.Connection | None = None
        self.engine = os.environ.get("AKHBAR_BACKEND", "embedded") == "elasticsearch"

    def __enter__(self) -> _Outage:
        if self.engine:
            subprocess.run([str(ROOT / "scripts" / "search-engine"), "stop"], check=True)
        else:
            open_backend("embedded", self.data).close()
            self.holder = sqlite3.connect(self.data.index, timeout=0)
            self.holder.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.engine:
            subprocess.run([str(ROOT / "scripts" / "search-engine"), "start"], check=True)
        elif self.holder is not None:
            self.holder.rollback()
            self.holder.close()


def _crawl_cmd(data: DataDir, sites: SampleSites, slow: bool) -> list[str]:
    cmd = [sys.executable, "-m", "akhbar.cli", "--data", str(data.root), "crawl", "--no-progress",
           *[f"sample-{s}" for s in SITES], *[f"--base-url=sample-{s}={sites.base_urls[s]}" for s in SITES],
           "--set=AUTOTHROTTLE_ENABLED=False", "--set=AKHBAR_INDEX_LOCK_TIMEOUT=0.5", "--set=AKHBAR_REVISIT_AFTER=0"]
    if slow:
        cmd += ["--set=DOWNLOAD_DELAY=0.1", "--set=CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set=AKHBAR_INDEX_BATCH=5"]
    else:
        cmd += ["--set=DOWNLOAD_DELAY=0"]
    return cmd


def _pages_fetched(data: DataDir) -> int:
    import json

    total = 0
    for path in (data.state / "reports").glob("crawl-*.json"):
        total += sum(r["pages_fetched"] for r in json.loads(path.read_text()))
    return total


def run(rounds: int = 4, kill_every: int = 2, outage_every: int = 3, seed: int = 7,
        data_dir: Path | None = None) -> SoakResult:
    rng = random.Random(seed)
    if os.environ.get("AKHBAR_BACKEND") == "elasticsearch":
        # a fresh set of indexes for this run, inherited by every crawl subprocess
        os.environ["AKHBAR_ES_INDEX_PREFIX"] = f"akhbar-soak-{os.getpid()}-{seed}"
    result = SoakResult()
    sites = SampleSites().start(ports=dict.fromkeys(SITES, 0))
    with tempfile.TemporaryDirectory(prefix="akhbar-soak-") as tmp:
        data = DataDir(data_dir or Path(tmp)).ensure()
        for n in range(1, rounds + 1):
            result.rounds += 1
            outage = outage_every and n % outage_every == 0
            kill = kill_every and n % kill_every == 0
            ctx = _Outage(data) if outage else None
            if ctx:
                ctx.__enter__()
                result.outages += 1
            try:
                proc = subprocess.Popen(_crawl_cmd(data, sites, slow=bool(kill)), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
                if kill:
                    time.sleep(rng.uniform(0.8, 3.0))
                    if proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)
                        result.kills += 1
                proc.wait(timeout=600)
            finally:
                if ctx:
                    ctx.__exit__()
        final = subprocess.run(_crawl_cmd(data, sites, slow=False), capture_output=True, check=False)
        if final.returncode != 0:
            result.notes.append(f"final crawl exited {final.returncode}: {final.stderr[-500:]!r}")
        expected = {sites.base_urls[a.site] + a.url_path for a in catalog() if "non_html" not in a.flags}
        responses = Counter(c.url for c in iter_cdx(data.cdx) if c.mime != "warc/revisit" and c.status == "200")
        result.expected = len(expected)
        result.archived = sum(1 for u in expected if responses[u] >= 1)
        result.duplicates = sum(responses[u] - 1 for u in expected if responses[u] > 1)
        config = BackendConfig.from_settings(os.environ)
        backend = open_backend(config.name, data, es=config.es)
        try:
            result.indexed = sum(1 for u in expected if backend.get(u) is not None)
        finally:
            backend.close()
        files = sorted(data.warc.glob("*.warc.gz"))
        result.warc_files = len(files)
        result.warc_valid = bool(files) and warcio_check(files).returncode == 0 and not list(data.warc.glob("*.open"))
        result.pages_fetched = _pages_fetched(data)
    sites.stop()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--kill-every", type=int, default=2)
    parser.add_argument("--outage-every", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    result = run(args.rounds, args.kill_every, args.outage_every, args.seed)
    print(result.table())
    for note in result.notes:
        print("note:", note)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
