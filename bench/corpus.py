"""SaudiNewsNet as Akhbar articles, and the backends the benchmarks compare.

The corpus is read in place (``AKHBAR_BENCH_CORPUS``, default ``/work/shared/data/saudinewsnet``):
one JSON array per zip. It is never copied into the repository.
"""

from __future__ import annotations

import glob
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from core.record import Article, content_hash

DEFAULT_CORPUS = "/work/shared/data/saudinewsnet"


def corpus_dir() -> Path:
    return Path(os.environ.get("AKHBAR_BENCH_CORPUS", DEFAULT_CORPUS))


def load_articles(limit: int = 0) -> list[Article]:
    """Every article of the corpus as an Article, in file order; URLs made unique.

    A few URLs occur more than once (re-extracted pages): the copies get ``#n`` so the benchmark
    indexes exactly the 31,030 records the corpus documents.
    """
    zips = sorted(glob.glob(str(corpus_dir() / "*.zip")))
    if not zips:
        raise SystemExit(f"no SaudiNewsNet zips in {corpus_dir()} (set AKHBAR_BENCH_CORPUS)")
    out: list[Article] = []
    seen: dict[str, int] = {}
    for path in zips:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                for rec in json.loads(z.read(name)):
                    out.append(_article(rec, seen))
                    if limit and len(out) >= limit:
                        return out
    return out


def _article(rec: dict, seen: dict[str, int]) -> Article:
    url = rec.get("url") or ""
    n = seen.get(url, 0)
    seen[url] = n + 1
    if n:
        url = f"{url}#{n}"
    title = (rec.get("title") or "").strip()
    text = (rec.get("content") or "").strip()
    extracted = (rec.get("date_extracted") or "").strip()
    published = extracted.replace(" ", "T") + "+03:00" if extracted else None
    return Article(
        url=url, canonical_url=url, source=rec.get("source") or "", title=title, subtitle="", text=text,
        published=published, modified=None, date_source="date_extracted", authors=[rec["author"]]
        if rec.get("author") else [], section="", tags=[], agencies=[], original_source="", language="ar",
        image="", fetched=published or "", content_hash=content_hash(title, text), warc={},
    )


def batches(items: list[Article], size: int) -> Iterator[list[Article]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
