"""The merged capture index at a million captures, against one binary search per CDXJ file.

    python -m bench.capture_index [--captures 1000000] [--files 1000] [--lookups 10000] [--old-lookups 1000]

Synthetic CDXJ lines in the shape ``cdxj-indexer`` writes: ``--files`` WARC files of a day's crawl
each (a time window apiece, in order), SURT keys of article, section and feed URLs of a few dozen
news hosts, each URL captured one to eight times in different files (responses, a share of
revisits, redirects and 404s). Then:

- the merged index is built from the CDXJ directory the way a first lookup on an existing data
  directory builds it (build time, size on disk), and one more file is merged the way a closing
  WARC is (the incremental cost);
- ``--lookups`` random URLs (80 % archived, 20 % not) go through ``core.archive.find_captures`` —
  SURT key, the check of ``cdx/``, the query — after the directory's two-second "too recent to
  trust" window (``core.capture_index.RACY_NS``) has passed, as it has for any archive not written
  to in that very moment;
- the first ``--old-lookups`` of them go through the per-file lookup (``core.cdxj.scan_lookup``,
  what ``find_captures`` did before) over the same files, and both answers are compared.

Nothing is a test: run it, read the table.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import surt

from core.archive import find_captures
from core.capture_index import RACY_NS, for_cdx
from core.cdxj import scan_lookup, url_key
from core.config import DataDir

HOSTS = ["www.sana.sy", "alwatan.sy", "www.enabbaladi.net", "www.syria.tv", "www.aljazeera.net", "aawsat.com",
         "www.dw.com", "www.bbc.com", "www.alarabiya.net", "www.almayadeen.net", "www.alquds.co.uk",
         "www.independentarabia.com", "al-akhbar.com", "www.annahar.com", "www.aljoumhouria.com",
         "www.alrai.com", "www.ammonnews.net", "www.youm7.com", "www.masrawy.com", "www.alyaum.com",
         "sabq.org", "www.okaz.com.sa", "www.alriyadh.com", "www.albayan.ae", "www.alkhaleej.ae",
         "www.aljarida.com", "www.alqabas.com", "www.hespress.com", "www.elkhabar.com", "www.echoroukonline.com",
         "www.alwasat.ly", "www.alsumaria.tv", "www.shafaq.com", "www.rudaw.net", "arabic.cnn.com",
         "www.france24.com", "www.skynewsarabia.com", "www.alhurra.com", "www.raialyoum.com", "www.arab48.com"]
SECTIONS = ["politics", "economy", "sports", "culture", "arab-world", "syria", "opinion", "health"]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _path(rng: random.Random, n: int) -> str:
    kind = rng.random()
    if kind < 0.55:
        y, m, d = 2015 + n % 11, 1 + n % 12, 1 + n % 28
        return f"/ar/news/{y}/{m:02d}/{d:02d}/{n}.html"
    if kind < 0.8:
        return f"/archives/{n}"
    if kind < 0.9:
        return f"/?p={n}&lang=ar"
    if kind < 0.97:
        return f"/{rng.choice(SECTIONS)}/page/{n % 500 + 1}"
    return f"/{rng.choice(SECTIONS)}/feed/{n}.xml"


def generate(cdx: Path, captures: int, files: int, seed: int) -> tuple[list[str], list[str]]:
    """CDXJ files in ``cdx`` holding ``captures`` lines; returns (archived URLs, unarchived URLs)."""
    rng = random.Random(seed)
    urls: list[str] = []
    per_file: list[list[tuple[int, int]]] = [[] for _ in range(files)]
    total = 0
    n = 100_000
    while total < captures:
        n += rng.randint(1, 7)
        url = f"https://{rng.choice(HOSTS)}{_path(rng, n)}"
        k = min(rng.choice((1, 1, 2, 3, 4, 4, 5, 6, 7, 8)), captures - total, files)
        first = rng.randrange(files)
        chosen = sorted({first, *(rng.randrange(first, files) for _ in range(k - 1))})
        for f in chosen:
            per_file[f].append((len(urls), rng.randrange(3600)))
        urls.append(url)
        total += len(chosen)
    keys = [surt.surt(u) for u in urls]
    start = 1_500_000_000  # 2017-07-14: one file per hour from there
    for f, caps in enumerate(per_file):
        warc = f"crawl-{time.strftime('%Y%m%d%H%M%S', time.gmtime(start + f * 3600))}000-{f:05d}-bench.warc.gz"
        lines, offset = [], 0
        for u, second in caps:
            ts = time.strftime("%Y%m%d%H%M%S", time.gmtime(start + f * 3600 + second))
            length = rng.randint(900, 40_000)
            roll = rng.random()
            mime, status = ("warc/revisit", "304") if roll < 0.25 else ("text/html", "200")
            if roll > 0.97:
                status = "301" if roll > 0.985 else "404"
            digest = "sha1:" + "".join(rng.choices(ALPHABET, k=32))
            blob = {"url": urls[u], "mime": mime, "status": status, "digest": digest, "length": str(length),
                    "offset": str(offset), "filename": warc}
            lines.append(f"{keys[u]} {ts} {json.dumps(blob)}\n")
            offset += length
        lines.sort()
        (cdx / (warc.removesuffix(".warc.gz") + ".cdxj")).write_text("".join(lines))
    absent = [f"https://{rng.choice(HOSTS)}/ar/news/2030/01/01/{9_000_000 + i}.html" for i in range(len(urls) // 4)]
    return urls, absent


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1] if len(values) > 1 else values[0]


def _timed(fn, urls: list[str]) -> tuple[list[float], list]:
    times, answers = [], []
    for url in urls:
        t = time.perf_counter()
        answers.append(fn(url))
        times.append((time.perf_counter() - t) * 1000)
    return times, answers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--captures", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--lookups", type=int, default=10_000)
    ap.add_argument("--old-lookups", type=int, default=1000, help="lookups for the per-file way (slow)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="akhbar-capindex-"))
    try:
        data = DataDir(root).ensure()
        t = time.perf_counter()
        present, absent = generate(data.cdx, args.captures, args.files, args.seed)
        gen_s = time.perf_counter() - t
        cdx_bytes = sum(p.stat().st_size for p in data.cdx.glob("*.cdxj"))

        index = for_cdx(data.cdx)
        t = time.perf_counter()
        index.sync()
        build_s = time.perf_counter() - t
        index.checkpoint()
        files, rows = index.stats()
        size = sum(p.stat().st_size for p in index.files())

        rng = random.Random(args.seed + 1)
        extra = data.cdx / "crawl-29990101000000000-99999-bench.cdxj"
        sample = rng.sample(present, min(1000, len(present)))
        name = "crawl-29990101000000000-99999-bench.warc.gz"
        blobs = [{"url": u, "mime": "text/html", "status": "200", "digest": "sha1:X", "length": "1",
                  "offset": str(i), "filename": name} for i, u in enumerate(sample)]
        extra.write_text("".join(sorted(f"{url_key(b['url'])} 29990101000000 {json.dumps(b)}\n" for b in blobs)))
        t = time.perf_counter()
        added = index.merge(extra)
        merge_ms = (time.perf_counter() - t) * 1000

        wanted = [rng.choice(present) if rng.random() < 0.8 else rng.choice(absent) for _ in range(args.lookups)]
        wait = RACY_NS / 1e9 - (time.time() - data.cdx.stat().st_mtime)
        if wait > 0:
            time.sleep(wait + 0.1)
        find_captures(wanted[0], data)  # the one directory check that records cdx/ as merged
        merged_ms, merged = _timed(lambda u: find_captures(u, data), wanted)
        old_ms, old = _timed(lambda u: scan_lookup(data.cdx, url_key(u)), wanted[: args.old_lookups])
        same = sum(a == b for a, b in zip(merged, old, strict=False))
        found = sum(1 for a in merged if a)

        print(f"\n{rows:,} captures of {len(present):,} URLs on {len(HOSTS)} hosts in {files:,} CDXJ files "
              f"({cdx_bytes / 2**20:,.0f} MiB of CDXJ, generated in {gen_s:.0f} s); "
              f"merged index built in {build_s:.1f} s, {size / 2**20:,.0f} MiB on disk; one more file of "
              f"{added:,} captures merged in {merge_ms:.0f} ms\n")
        print("| lookup | captures | lookups | p50 | p95 | p99 | max |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, times in (("merged index (`find_captures`)", merged_ms),
                            (f"per-file CDXJ, one binary search in each of {files + 1:,} files", old_ms)):
            print(f"| {name} | {rows + added:,} | {len(times):,} | {_pct(times, 50):.3f} ms | "
                  f"{_pct(times, 95):.3f} ms | {_pct(times, 99):.3f} ms | {max(times):.3f} ms |")
        print(f"\n{found:,} of {len(wanted):,} lookups found captures (80 % asked for archived URLs); "
              f"the two ways gave the same captures for {same:,} of the {len(old):,} compared")
    finally:
        for_cdx(data.cdx).close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
