"""The per-WARC CDXJ files: their lines as captures, a full scan, and a binary search of one file.

Each closed WARC gets one SURT-sorted CDXJ file in ``cdx/`` (``crawler.warc.write_cdxj``); these are
what pywb and ``wacz`` read, so they stay the archive's own index. Lookups go through the merged
capture index (``core.capture_index``), which is filled from these very lines with the same parser,
so both ways of reading give the same captures.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import surt
from warcio.timeutils import iso_date_to_timestamp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    urlkey: str
    timestamp: str  # 14 digits, UTC (longer when the WARC-Date had fractions)
    url: str
    status: str
    mime: str
    digest: str
    filename: str
    offset: int
    length: int


def url_key(url: str) -> str:
    return surt.surt(url)


_MIME_END = re.compile(r"[;\s]")


def record_line(record: Any, filename: str, offset: int, length: int) -> str:
    """The CDXJ line of a response or revisit record just written at ``offset`` (``length`` bytes,
    its gzip member) in ``filename``: the line cdxj-indexer's default fields give for it, so a file's
    index can be made as its records are written instead of by reading the whole file again when it
    closes (``crawler.warc``; a test compares the two on real crawls)."""
    url = record.rec_headers.get_header("WARC-Target-URI")
    http = record.http_headers
    if record.rec_type == "revisit":
        mime = "warc/revisit"
    else:
        mime = http.get_header("Content-Type") if http else None
        if mime:  # stripped first, as the header reads back from the file
            mime = _MIME_END.split(mime.strip(), 1)[0].strip()
    fields = {"url": url, "mime": mime, "status": http.get_statuscode() if http else None,
              "digest": record.rec_headers.get_header("WARC-Payload-Digest"),
              "length": str(length), "offset": str(offset), "filename": filename}
    try:
        key = surt.surt(url)
    except Exception:  # noqa: BLE001 - as cdxj-indexer does: an URL surt cannot read is its own key
        key = url
    stamp = iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date"))
    return f"{key} {stamp} {json.dumps({k: v for k, v in fields.items() if v is not None})}\n"


def _capture(line: str) -> Capture:
    key, ts, blob = line.rstrip("\n").split(" ", 2)
    d = json.loads(blob)
    return Capture(key, ts, d.get("url", ""), str(d.get("status", "")), d.get("mime", ""), d.get("digest", ""),
                   d.get("filename", ""), int(d.get("offset", 0)), int(d.get("length", 0)))


def parse_line(raw: bytes, path: Path) -> Capture | None:
    """One CDXJ line, or None (with a warning) when it is damaged: a bad line hides one capture,
    never the whole index from a lookup or a listing."""
    try:
        return _capture(raw.decode("utf-8"))
    except (ValueError, TypeError, AttributeError) as exc:
        logger.warning("%s: damaged CDXJ line skipped (%s): %r", path.name, type(exc).__name__, raw[:120])
        return None


def iter_cdx(cdx_dir: Path) -> Iterator[Capture]:
    """Every capture in every CDXJ file (a full scan: for listings and checks, not lookups)."""
    for path in sorted(Path(cdx_dir).glob("*.cdxj")):
        with open(path, "rb") as fh:
            for line in fh:
                if line.strip() and not line.startswith(b"!") and (cap := parse_line(line, path)):
                    yield cap


def lookup_cdxj(path: Path, key: str) -> list[Capture]:
    """Captures of one SURT key in one sorted CDXJ file, by binary search over byte offsets (as pywb
    and `look` do), so a lookup reads a few blocks of each file instead of all of it."""
    target = key.encode("utf-8") + b" "
    out = []
    with open(path, "rb") as fh:
        lo, hi = 0, fh.seek(0, 2)
        while lo < hi:  # smallest offset whose next whole line is >= target
            mid = (lo + hi) // 2
            fh.seek(mid)
            if mid:
                fh.readline()  # finish the line mid fell into
            line = fh.readline()
            if line and line < target:
                lo = mid + 1
            else:
                hi = mid
        if lo:
            fh.seek(lo - 1)
            fh.readline()  # to the start of the first line at or after lo
        else:
            fh.seek(0)
        for raw in fh:
            if raw < target:
                continue
            if not raw.startswith(target):
                break
            if cap := parse_line(raw, path):
                out.append(cap)
    return out


def scan_lookup(cdx_dir: Path, key: str) -> list[Capture]:
    """Captures of one SURT key from every CDXJ file, oldest first: one binary search per file, so
    the cost grows with the number of files. The merged index answers lookups; this is its fallback
    (an index that cannot be opened or written) and the baseline it is measured against."""
    found = [c for path in sorted(Path(cdx_dir).glob("*.cdxj")) for c in lookup_cdxj(path, key)]
    return sorted(found, key=lambda c: c.timestamp)
