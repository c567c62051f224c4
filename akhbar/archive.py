"""Reading the archive back: CDXJ lookup, capture selection and record payloads.

The CDXJ files in ``cdx/`` (one per WARC, SURT-sorted, written when the WARC is closed) are the same
pywb reads, so ``akhbar replay`` and pywb find the same captures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from akhbar.config import DataDir
from akhbar.record import WarcPointer


class NotArchived(LookupError):
    """No capture of that URL (at that time) is in the archive."""


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


def warcio_check(paths: list[Path], verbose: bool = False) -> subprocess.CompletedProcess:
    """Run the real ``warcio check`` (the one installed beside this Python) on WARC files."""
    exe = Path(sys.executable).with_name("warcio")
    cmd = [str(exe) if exe.exists() else "warcio", "check", *(["-v"] if verbose else []), *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def url_key(url: str) -> str:
    return surt.surt(url)


def _capture(line: str) -> Capture:
    key, ts, blob = line.rstrip("\n").split(" ", 2)
    d = json.loads(blob)
    return Capture(key, ts, d.get("url", ""), str(d.get("status", "")), d.get("mime", ""), d.get("digest", ""),
                   d.get("filename", ""), int(d.get("offset", 0)), int(d.get("length", 0)))


def iter_cdx(cdx_dir: Path) -> Iterator[Capture]:
    """Every capture in every CDXJ file (a full scan: for listings and checks, not lookups)."""
    for path in sorted(Path(cdx_dir).glob("*.cdxj")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and not line.startswith("!"):
                    yield _capture(line)


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
            out.append(_capture(raw.decode("utf-8")))
    return out


def find_captures(url: str, data: DataDir) -> list[Capture]:
    key = url_key(url)
    found = [c for path in sorted(data.cdx.glob("*.cdxj")) for c in lookup_cdxj(path, key)]
    return sorted(found, key=lambda c: c.timestamp)


def closest(captures: list[Capture], at: str | None = None) -> Capture:
    """The capture nearest to ``at`` (digits of a timestamp, any precision); latest when omitted."""
    if not captures:
        raise NotArchived("no captures")
    if not at:
        return captures[-1]
    want = int((("".join(ch for ch in at if ch.isdigit())) + "0" * 14)[:14])
    return min(captures, key=lambda c: (abs(int(c.timestamp[:14]) - want), -int(c.timestamp[:14])))


@contextmanager
def read_record(data: DataDir, filename: str, offset: int) -> Iterator[ArcWarcRecord]:
    """The record at ``offset`` of a WARC in the archive, readable inside the ``with`` block. The
    file name must resolve inside ``warc/``: names come from CDXJ or the fetch log, never from users."""
    path = (data.warc / filename).resolve()
    if path.parent != data.warc.resolve():
        raise NotArchived(f"refusing WARC path outside the archive: {filename!r}")
    with open(path, "rb") as fh:
        fh.seek(offset)
        yield next(iter(ArchiveIterator(fh)))


@dataclass
class Replay:
    capture: Capture
    status_line: str
    headers: list[tuple[str, str]]
    raw: bytes  # payload exactly as the server sent it (Content-Encoding kept)
    body: bytes  # payload with Content-Encoding undone

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


def replay(url: str, data: DataDir, at: str | None = None) -> Replay:
    """The capture of ``url`` closest to ``at``. A ``revisit`` capture (the page had not changed) is
    resolved to the full capture with the same payload digest, as pywb does; the capture time stays
    the revisit's."""
    captures = find_captures(url, data)
    if not captures:
        raise NotArchived(f"{url} is not in the archive")
    cap = closest(captures, at)
    source = cap
    if cap.mime == "warc/revisit":
        originals = [c for c in captures if c.mime != "warc/revisit" and c.digest == cap.digest]
        if not originals:
            raise NotArchived(f"{url}: revisit at {cap.timestamp} refers to a capture not in the archive")
        source = closest(originals, cap.timestamp)
    with read_record(data, source.filename, source.offset) as record:
        raw = record.raw_stream.read()
        body = _decode_content(raw, record)
        headers = list(record.http_headers.headers) if record.http_headers else []
        status = record.http_headers.statusline if record.http_headers else ""
    return Replay(cap, status, headers, raw, body)


def _decode_content(raw: bytes, record: ArcWarcRecord) -> bytes:
    enc = (record.http_headers.get_header("Content-Encoding") or "").strip().lower() if record.http_headers \
        else ""
    return decode_content(raw, enc)


def decode_content(raw: bytes, encoding: str) -> bytes:
    """Undo an HTTP Content-Encoding on a stored payload: gzip, deflate, br and zstd (Scrapy asks
    for all four, and the WARC keeps what came)."""
    from io import BytesIO

    from warcio.bufferedreaders import DecompressingBufferedReader

    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate", "br"):
        reader = DecompressingBufferedReader(BytesIO(raw), decomp_type="gzip" if encoding == "x-gzip" else encoding)
        return reader.read()
    if encoding == "zstd":
        try:
            from compression import zstd  # Python 3.14+
        except ImportError:
            from backports import zstd
        return zstd.decompress(raw)
    return raw


def payload(record: ArcWarcRecord) -> bytes:
    """The entity body of a response record as the page had it (Content-Encoding undone)."""
    return _decode_content(record.raw_stream.read(), record)


@dataclass
class ArchivedResponse:
    url: str
    status: int
    content_type: str
    body: bytes  # Content-Encoding undone
    fetched: str  # WARC-Date
    pointer: WarcPointer
    source: str  # from the file's warcinfo, when the crawl recorded one
    profile: dict | None = None  # the source profile recorded in the warcinfo


def iter_responses(data: DataDir) -> Iterator[ArchivedResponse]:
    """Every response record of every finished WARC file, oldest file first."""
    for path in sorted(data.warc.glob("*.warc.gz")):
        source, profile = "", None
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                if record.rec_type == "warcinfo":
                    fields = record.content_stream().read().decode("utf-8", "replace")
                    for line in fields.splitlines():
                        key, _, value = line.partition(":")
                        if key == "source":
                            source = value.strip()
                        elif key == "akhbar-profile":
                            try:
                                profile = json.loads(value)
                            except ValueError:
                                profile = None
                    continue
                if record.rec_type != "response" or not record.http_headers:
                    continue
                raw = record.raw_stream.read()
                body = _decode_content(raw, record)
                it.read_to_end()
                yield ArchivedResponse(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=int(record.http_headers.get_statuscode() or 0),
                    content_type=record.http_headers.get_header("Content-Type") or "",
                    body=body,
                    fetched=record.rec_headers.get_header("WARC-Date"),
                    pointer=WarcPointer(file=path.name, offset=it.get_record_offset(),
                                        length=it.get_record_length(),
                                        record_id=record.rec_headers.get_header("WARC-Record-ID")),
                    source=source,
                    profile=profile,
                )
