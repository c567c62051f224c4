"""Reading the archive back: capture lookup, capture selection and record payloads.

The CDXJ files in ``cdx/`` (one per WARC, SURT-sorted, written when the WARC is closed) are the same
pywb reads; lookups go through their merged index (``core.capture_index``), which holds exactly their
lines, so ``akhbar replay`` and pywb find the same captures.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException

from core import capture_index
from core.cdxj import Capture, scan_lookup, url_key
from core.cdxj import iter_cdx as iter_cdx
from core.cdxj import lookup_cdxj as lookup_cdxj
from core.config import DataDir
from core.decoding import (
    MAX_PAYLOAD,
    DamagedRecord,
    PayloadTooLarge,
    UnreadableRecord,
    decode_content,
    limit_text,
)
from core.record import WarcPointer

logger = logging.getLogger(__name__)
# What warcio and zlib raise on bytes that are not a whole WARC record (see _damage_is).
_DAMAGE = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, EOFError, ValueError, AttributeError,
           IndexError, KeyError, TypeError)
_GZIP_MAGIC = b"\x1f\x8b\x08"
_AT_CHARS = frozenset("0123456789-:T Z.")


class NotArchived(LookupError):
    """No capture of that URL (at that time) is in the archive."""


class BadTimestamp(ValueError):
    """A capture time that is not one (``--at garbage``): an error, not "the earliest capture"."""


def warcio_check(paths: list[Path], verbose: bool = False) -> subprocess.CompletedProcess:
    """Run the real ``warcio check`` (the one installed beside this Python) on WARC files."""
    exe = Path(sys.executable).with_name("warcio")
    cmd = [str(exe) if exe.exists() else "warcio", "check", *(["-v"] if verbose else []), *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def find_captures(url: str, data: DataDir) -> list[Capture]:
    """Every capture of ``url``, oldest first, from the merged capture index; from the CDXJ files
    themselves (one binary search each) when that index cannot be used, with one warning."""
    key = url_key(url)
    try:
        return capture_index.lookup(data.cdx, key)
    except capture_index.IndexUnavailable as exc:
        if str(data.cdx) not in _FALLBACK_WARNED:
            _FALLBACK_WARNED.add(str(data.cdx))
            logger.warning("%s; reading the CDXJ files instead", exc)
        return scan_lookup(data.cdx, key)


_FALLBACK_WARNED: set[str] = set()


def timestamp14(when: str | None) -> str:
    """An ISO instant or a CDXJ timestamp as its first 14 digits (``YYYYMMDDhhmmss``): what a
    replay link's ``at`` takes, and how a version's time is matched to its capture's."""
    return "".join(ch for ch in (when or "") if ch.isdigit())[:14]


def capture_time(timestamp: str) -> datetime:
    """A CDXJ timestamp (YYYYMMDDhhmmss, UTC; fractions ignored) as an aware datetime."""
    return datetime.strptime(timestamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def at_digits(at: str) -> str:
    """The digits of a capture time given as ``YYYYMMDDhhmmss`` (any prefix) or ISO-like
    (``2017-06-10T12:00Z``). Anything else is a :class:`BadTimestamp`, never "the earliest"."""
    digits = "".join(ch for ch in at if ch.isdigit())
    if not digits or len(digits) > 17 or not at[:1].isdigit() or any(ch not in _AT_CHARS for ch in at):
        raise BadTimestamp(f"{at!r} is not a capture time: YYYYMMDDhhmmss or any prefix (2017, 2017-06-10T12:00Z)")
    return digits


def closest(captures: list[Capture], at: str | None = None) -> Capture:
    """The capture nearest to ``at`` (see :func:`at_digits`); latest when omitted."""
    if not captures:
        raise NotArchived("no captures")
    if not at:
        return captures[-1]
    want = int((at_digits(at) + "0" * 14)[:14])
    return min(captures, key=lambda c: (abs(int(c.timestamp[:14]) - want), -int(c.timestamp[:14])))


@contextmanager
def read_record(data: DataDir, filename: str, offset: int) -> Iterator[ArcWarcRecord]:
    """The record at ``offset`` of a WARC in the archive, readable inside the ``with`` block (read
    its payload with :func:`payload`). The file name must resolve inside ``warc/``: names come from
    CDXJ or the fetch log, never from users. A record that cannot be parsed there is a
    :class:`DamagedRecord`; a missing file stays a ``FileNotFoundError``."""
    path = (data.warc / filename).resolve()
    if path.parent != data.warc.resolve():
        raise NotArchived(f"refusing WARC path outside the archive: {filename!r}")
    with open(path, "rb") as fh:
        fh.seek(offset)
        with _damage_is(f"{filename}@{offset}"):
            record = next(iter(ArchiveIterator(fh)), None)
        if record is None:
            raise DamagedRecord(f"{filename}@{offset}: no WARC record there (the file is cut short)")
        _check_warc(record, f"{filename}@{offset}")
        yield record


def _check_warc(record: ArcWarcRecord, where: str) -> None:
    """warcio reads what fails to inflate as uncompressed and may then take garbage for an old ARC
    record; the archive holds WARC records only, so anything else is damage."""
    if record.format != "warc":
        raise DamagedRecord(f"{where}: damaged WARC record (it does not parse as one)")


@contextmanager
def _damage_is(where: str) -> Iterator[None]:
    """What warcio and zlib raise on bytes that are not a whole WARC record, as one DamagedRecord.
    (warcio raises AttributeError on headers cut mid-line, hence the wide net; it only covers
    warcio's parsing and reading, never our own code.)"""
    try:
        yield
    except UnreadableRecord:
        raise
    except _DAMAGE as exc:
        raise DamagedRecord(f"{where}: damaged WARC record ({type(exc).__name__}: {str(exc)[:120]})") from exc


def stored_payload(record: ArcWarcRecord, limit: int = MAX_PAYLOAD) -> bytes:
    """The payload of a response record exactly as the server sent it (Content-Encoding kept),
    read whole or not at all: a record cut short on disk is a :class:`DamagedRecord`, never a
    partial body, and one the crawl cut at its size limit (``WARC-Truncated``) or longer than
    ``limit`` is :class:`PayloadTooLarge`."""
    where = record.rec_headers.get_header("WARC-Target-URI") or "record"
    truncated = record.rec_headers.get_header("WARC-Truncated")
    if truncated:
        raise PayloadTooLarge(f"{where}: the crawl kept only the first part of this response "
                              f"(WARC-Truncated: {truncated}): it was over {limit_text(limit)}", limit)
    with _damage_is(where):
        raw = record.raw_stream.read(limit + 1)
        missing = getattr(record.raw_stream, "limit", 0)
    if len(raw) > limit:
        raise PayloadTooLarge(f"{where}: the stored payload is over {limit_text(limit)}", limit)
    if missing > 0:
        raise DamagedRecord(f"{where}: the WARC record is cut short ({missing} bytes of it missing)")
    if not _digest_matches(record.rec_headers.get_header("WARC-Payload-Digest") or "", raw):
        raise DamagedRecord(f"{where}: the payload does not match its WARC-Payload-Digest (damaged on disk)")
    return raw


def _digest_matches(digest: str, raw: bytes) -> bool:
    """Whether ``raw`` has the ``WARC-Payload-Digest`` the writer recorded (``sha1:BASE32``, or any
    hashlib algorithm in base32 or hex); a digest we cannot check counts as a match."""
    algorithm, _, value = digest.partition(":")
    try:
        got = hashlib.new(algorithm.strip().lower().replace("-", ""), raw).digest()
    except ValueError:
        return True
    value = value.strip()
    return value.lower() == got.hex() or value.upper().rstrip("=") == base64.b32encode(got).decode().rstrip("=")


def content_encoding(record: ArcWarcRecord) -> str:
    return (record.http_headers.get_header("Content-Encoding") or "") if record.http_headers else ""


def payload(record: ArcWarcRecord, limit: int = MAX_PAYLOAD) -> bytes:
    """The entity body of a response record as the page had it (Content-Encoding undone), at most
    ``limit`` bytes (:class:`PayloadTooLarge` otherwise) and never from a damaged record."""
    return _decode(stored_payload(record, limit), content_encoding(record), limit,
                   record.rec_headers.get_header("WARC-Target-URI"))


def _decode(raw: bytes, encoding: str, limit: int, url: str) -> bytes:
    try:
        return decode_content(raw, encoding, limit)
    except PayloadTooLarge as exc:  # name the page: reindex and catch-up log this line as it is
        raise PayloadTooLarge(f"{url}: {exc}", limit) from None


@dataclass
class Replay:
    capture: Capture
    status_line: str
    headers: list[tuple[str, str]]
    raw: bytes  # payload exactly as the server sent it (Content-Encoding kept)
    body: bytes  # payload with Content-Encoding undone (the raw bytes when replayed with decode=False)

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


def replay(url: str, data: DataDir, at: str | None = None, *, decode: bool = True,
           limit: int = MAX_PAYLOAD) -> Replay:
    """The capture of ``url`` closest to ``at``. A ``revisit`` capture (the page had not changed) is
    resolved to the full capture with the same payload digest, as pywb does; the capture time stays
    the revisit's. Raises NotArchived, BadTimestamp, DamagedRecord or PayloadTooLarge; with
    ``decode=False`` the body is left encoded (a bomb can still be had as the bytes sent)."""
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
        raw = stored_payload(record, limit)
        encoding = content_encoding(record)
        headers = list(record.http_headers.headers) if record.http_headers else []
        status = record.http_headers.statusline if record.http_headers else ""
    body = _decode(raw, encoding, limit, cap.url) if decode else raw
    return Replay(cap, status, headers, raw, body)


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


SkipReport = Callable[[str, str], None]


def _log_skip(kind: str, message: str) -> None:
    logger.warning("skipped (%s): %s", kind, message)


def iter_responses(data: DataDir, *, limit: int = MAX_PAYLOAD, skipped: SkipReport = _log_skip,
                   ) -> Iterator[ArchivedResponse]:
    """Every response record of every finished WARC file, oldest file first. A record that cannot
    be given back whole is reported to ``skipped(kind, message)`` — kind ``too_large`` or
    ``damaged`` — and left out; after damage, reading resumes at the next gzip member that holds a
    WARC record, so one bad stretch costs only the records in it."""
    for path in sorted(data.warc.glob("*.warc.gz")):
        yield from _file_responses(path, limit, skipped)


def _file_responses(path: Path, limit: int, skipped: SkipReport) -> Iterator[ArchivedResponse]:
    info: dict = {"source": "", "profile": None}
    start: int | None = 0
    resyncing = False  # after damage: candidate offsets that fail are part of the same bad stretch
    with open(path, "rb") as fh:
        while start is not None:
            fh.seek(start)
            it = ArchiveIterator(fh)
            try:
                for record in it:
                    resp = _response(path, record, it, info, limit, skipped)
                    resyncing = False
                    if resp is not None:
                        yield resp
                size = fh.seek(0, 2)
                if it.offset < size and not resyncing:  # warcio stops quietly at a cut gzip member
                    skipped("damaged", f"{path.name}@{it.offset}: the file ends in a record cut short "
                                       f"({size - it.offset} bytes that are no whole record)")
                return
            except DamagedRecord as exc:
                failed = exc
            except _DAMAGE as exc:
                failed = DamagedRecord(f"{type(exc).__name__}: {str(exc)[:120]}")
            offset = it.offset  # where the failing record starts (warcio moves it past whole ones only)
            if not resyncing:
                skipped("damaged", f"{path.name}@{offset}: {failed}; resuming at the next whole record")
            resyncing = True
            start = _next_member(fh, offset + 1)


def _response(path: Path, record: ArcWarcRecord, it: ArchiveIterator, info: dict, limit: int,
              skipped: SkipReport) -> ArchivedResponse | None:
    """One record as an ArchivedResponse; the warcinfo's source and profile go into ``info``."""
    _check_warc(record, f"{path.name}@{it.offset}")
    if record.rec_type == "warcinfo":
        with _damage_is(path.name):
            fields = record.content_stream().read(1 << 20).decode("utf-8", "replace")
        for line in fields.splitlines():
            key, _, value = line.partition(":")
            if key == "source":
                info["source"] = value.strip()
            elif key == "akhbar-profile":
                try:
                    info["profile"] = json.loads(value)
                except ValueError:
                    info["profile"] = None
        return None
    if record.rec_type != "response" or not record.http_headers:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    try:
        body = payload(record, limit)
    except PayloadTooLarge as exc:
        skipped("too_large", str(exc))
        return None
    with _damage_is(path.name):
        it.read_to_end()
    return ArchivedResponse(
        url=url,
        status=int(record.http_headers.get_statuscode() or 0),
        content_type=record.http_headers.get_header("Content-Type") or "",
        body=body,
        fetched=record.rec_headers.get_header("WARC-Date"),
        pointer=WarcPointer(file=path.name, offset=it.get_record_offset(), length=it.get_record_length(),
                            record_id=record.rec_headers.get_header("WARC-Record-ID")),
        source=info["source"],
        profile=info["profile"],
    )


def _next_member(fh, after: int) -> int | None:
    """Offset of the next gzip member header (1f 8b 08) at or after ``after``; None at the end."""
    fh.seek(after)
    carry = b""
    pos = after
    while True:
        block = fh.read(1 << 16)
        if not block:
            return None
        buf = carry + block
        hit = buf.find(_GZIP_MAGIC)
        if hit >= 0:
            return pos - len(carry) + hit
        carry = buf[-(len(_GZIP_MAGIC) - 1):]
        pos += len(block)
