"""Disk cache for derived data that is slow to compute but fixed by the corpus and the rules.

Topic judgments scan 53M characters with 40 rules (~30 s); keeping them in ``AKHBAR_BENCH_DIR``
keyed by a fingerprint of the corpus and of the rules makes repeated runs start in seconds, and
any change to either gives a new key, so a stale file is never read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from bench.engines import BENCH_DIR
from core.record import Article


def corpus_fingerprint(articles: list[Article]) -> str:
    h = hashlib.sha1()
    for art in articles:
        h.update(art["canonical_url"].encode("utf-8"))
        h.update(art["content_hash"].encode("ascii"))
    return h.hexdigest()[:16]


def cached(name: str, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-able result, read from ``BENCH_DIR/name-<sha1(key)>.json`` when present."""
    path = BENCH_DIR / f"{name}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    value = compute()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return value
