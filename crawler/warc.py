"""Write every HTTP exchange to WARC files with warcio: the archive is the system of record.

``WarcArchiveMiddleware`` sits right next to the downloader (priority 950), so it sees each response
*before* ``HttpCompressionMiddleware`` decodes it and before redirects are followed. The payload stored
is therefore the entity body exactly as the server sent it, ``Content-Encoding`` included (gzip stays
gzip, and ``WARC-Payload-Digest`` is over those bytes), which is what makes replay byte-exact. The one
transformation Twisted forces on us is de-chunking: the body arrives without chunk framing, so a
``Transfer-Encoding`` header is kept under ``X-Archive-Orig-Transfer-Encoding`` (pywb's convention)
rather than left to lie about the stored bytes.

Files are gzip-per-record, start with a ``warcinfo`` record, rotate by size, and are named
``PREFIX-YYYYMMDDHHMMSSmmm-NNNNN-HOST.warc.gz``. A file being written is called ``*.warc.gz.open`` and
is renamed when closed, so a finished name always means a complete file; a CDXJ index (pywb format,
SURT-sorted) is written beside it into ``cdx/`` at that moment and merged into the capture index.
The index's lines are made as the records are written (``cdx/NAME.cdxj.open``, sorted at close):
indexing a closed file by reading it again cost ~0.2 s per 1,000 pages, the reactor stalled for
seconds at every rotation of a 100 MB file. A file whose lines were not all kept (a killed crawl, a
failed write) is indexed by reading it, with cdxj-indexer, as before.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core import capture_index
from core.cdxj import record_line
from core.record import WarcPointer
from crawler.worker import worker_of

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"


@dataclass
class Exchange:
    """One request/response pair as it crossed the wire (headers as ordered (name, value) pairs)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str = ""
    fetched: datetime = field(default_factory=lambda: datetime.now(UTC))
    truncated: str = ""  # WARC-Truncated reason ("length"): ``body`` is only the head of what was sent


def warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcRotatingWriter:
    """Appends exchanges to size-rotated WARC files; offsets and lengths come from the writer."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        *,
        cdx_directory: Path | None = None,
        max_size: int = 100 * 1024 * 1024,
        info: dict[str, str] | None = None,
        host: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.cdx_directory = Path(cdx_directory) if cdx_directory else None
        self.prefix = prefix
        self.max_size = max_size
        self.info = info or {}
        # the file name's last part: this host, or a distributed crawl's worker id (crawler/worker.py)
        self.hostname = host or socket.gethostname().split(".")[0] or "localhost"
        self.serial = 0
        self._fh = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self._lines: Any = None  # the current file's CDXJ lines, unsorted (a text file in cdx/), or None
        self.closed_files: list[Path] = []
        self.directory.mkdir(parents=True, exist_ok=True)

    # -- files --------------------------------------------------------------------------------
    @property
    def current_name(self) -> str | None:
        """The name the current file will have once closed (what article pointers refer to)."""
        return self._path.name[: -len(OPEN_SUFFIX)] if self._path else None

    def _open(self) -> None:
        self.serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}{WARC_SUFFIX}"
        self._path = self.directory / (name + OPEN_SUFFIX)
        # Unbuffered: every record goes straight to the OS, so a kill cannot lose a reported record
        # and a failed write (disk full) leaves no half-record sitting in a Python buffer.
        self._fh = open(self._path, "xb", buffering=0)  # noqa: SIM115 - lives until close()
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        self._lines = self._open_lines(name)
        info = {"software": "akhbar (scrapy + warcio)", "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                **self.info}
        try:
            self._writer.write_record(self._writer.create_warcinfo_record(name, info))
        except OSError:
            # not even the warcinfo fits (disk full): leave no file rather than a broken one
            self._fh.close()
            self._path.unlink(missing_ok=True)
            self._fh = self._writer = self._path = None
            raise

    def _open_lines(self, name: str) -> Any:
        """The file the CDXJ lines of ``name`` go to as its records are written; None (the file will
        be indexed by reading it) when there is no index to write or the file cannot be made."""
        if not self.cdx_directory:
            return None
        try:
            self.cdx_directory.mkdir(parents=True, exist_ok=True)
            return open(_lines_path(self.cdx_directory, name), "w", encoding="utf-8")
        except OSError as exc:
            logger.warning("CDXJ of %s will be made when it closes: %s", name, exc)
            return None

    def _drop_lines(self) -> Path | None:
        """Stop keeping lines for the current file; returns where they are (None: none kept)."""
        lines, self._lines = self._lines, None
        if lines is None:
            return None
        try:
            lines.close()
        except OSError as exc:
            logger.warning("CDXJ lines of %s lost (%s); the file is indexed by reading it", self.current_name, exc)
            Path(lines.name).unlink(missing_ok=True)
            return None
        return Path(lines.name)

    def close(self) -> Path | None:
        """Flush, fsync, rename to the final name and index it; returns the final path."""
        if not self._fh or not self._path:
            self._path = None
            return None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        lines = self._drop_lines()
        final = self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)])
        os.replace(self._path, final)
        self._fh = self._writer = self._path = None
        self.closed_files.append(final)
        if self.cdx_directory:
            try:
                write_cdxj(final, self.cdx_directory, lines)
            except OSError as exc:  # the next crawl of this source writes it (index_missing_cdxj)
                logger.error("could not index %s yet: %s", final.name, exc)
        return final

    def _abandon(self, good_end: int) -> None:
        """After a failed write (disk full): cut the file back to its last whole record and finish
        it, so the archive holds no partial record. If even that fails, the ``.open`` file is left
        for the next crawl's recovery, which does the same."""
        path = self._path
        if lines := self._drop_lines():  # they may name the record cut off: the file is read instead
            lines.unlink(missing_ok=True)
        try:
            os.ftruncate(self._fh.fileno(), good_end)
            self._fh.close()
        except OSError as exc:
            logger.error("could not cut %s back to %d bytes: %s", path, good_end, exc)
            return
        finally:
            self._fh = self._writer = None
        if good_end == 0 or path is None:
            return
        final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        try:
            os.replace(path, final)
            self._path = None
            self.closed_files.append(final)
            if self.cdx_directory:
                write_cdxj(final, self.cdx_directory)
        except OSError as exc:
            logger.error("could not finish %s: %s", final.name, exc)

    # -- records ------------------------------------------------------------------------------
    def write(self, ex: Exchange, revisit_of: Revisit | None = None) -> WarcPointer:
        """Write the response (or a ``revisit`` when ``revisit_of`` is given) and its request record.

        Returns where the response/revisit record landed and its payload digest. The file is flushed
        to the OS before returning, so a ``kill -9`` right after cannot lose a record we reported.
        """
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._fh is not None
        date = warc_date(ex.fetched)
        resp_headers = StatusAndHeaders(
            f"{ex.status} {_reason(ex.status)}", _archivable_headers(ex.response_headers), protocol=ex.protocol
        )
        warc_headers = {"WARC-Date": date}
        if ex.ip_address:
            warc_headers["WARC-IP-Address"] = ex.ip_address
        if ex.truncated:
            warc_headers["WARC-Truncated"] = ex.truncated
        if revisit_of is None:
            response = self._writer.create_warc_record(
                ex.url, "response", payload=BytesIO(ex.body), length=len(ex.body),
                http_headers=resp_headers, warc_headers_dict=warc_headers,
            )
        else:
            response = self._writer.create_revisit_record(
                ex.url, revisit_of.digest, revisit_of.url, revisit_of.date, http_headers=resp_headers,
                warc_headers_dict=warc_headers,
            )
            response.rec_headers.replace_header("WARC-Profile", revisit_of.profile_uri)
            if revisit_of.record_id:
                response.rec_headers.add_header("WARC-Refers-To", revisit_of.record_id)
        parts = urlsplit(ex.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [("Host", parts.netloc), *[(k, v) for k, v in ex.request_headers if k.lower() != "host"]]
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        request = self._writer.create_warc_record(
            ex.url, "request", payload=BytesIO(ex.request_body), length=len(ex.request_body),
            http_headers=StatusAndHeaders(f"{ex.method} {target} {ex.protocol}", req_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        offset = self._fh.tell()
        try:
            self._writer.write_record(response)
            length = self._fh.tell() - offset
            self._writer.write_record(request)
            self._fh.flush()
        except OSError:
            self._abandon(offset)
            raise
        pointer = WarcPointer(file=self.current_name or "", offset=offset, length=length, record_id=record_id)
        if self._lines is not None:
            try:
                self._lines.write(record_line(response, pointer["file"], offset, length))
            except OSError as exc:
                logger.warning("CDXJ lines of %s lost (%s); the file is indexed by reading it", pointer["file"], exc)
                if lines := self._drop_lines():
                    lines.unlink(missing_ok=True)
        if self._fh.tell() >= self.max_size:
            self.close()
        return pointer


IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True)
class Revisit:
    """What a revisit record points back to: the earlier full capture of the same payload."""

    url: str
    date: str  # WARC-Date of the original
    digest: str
    record_id: str = ""
    profile_uri: str = IDENTICAL_PAYLOAD


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for this payload (sha1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _archivable_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, value in headers:
        if name.lower() == "transfer-encoding":
            name = "X-Archive-Orig-Transfer-Encoding"
        out.append((name, value))
    return out


def _lines_path(cdx_directory: Path, warc_name: str) -> Path:
    return cdx_directory / (warc_name.removesuffix(WARC_SUFFIX) + ".cdxj" + OPEN_SUFFIX)


def write_cdxj(warc_path: Path, cdx_directory: Path, lines: Path | None = None) -> Path:
    """pywb-compatible, SURT-sorted CDXJ for one WARC file, named after it, then merged into the
    archive's capture index (``core.capture_index``; a merge that fails now is done by the next lookup).
    ``lines``: the file's lines as its writer kept them (sorted here); without them (or a stale copy
    a killed crawl left) the WARC file is read and indexed with cdxj-indexer."""
    cdx_directory.mkdir(parents=True, exist_ok=True)
    out = cdx_directory / (warc_path.name.removesuffix(WARC_SUFFIX) + ".cdxj")
    tmp = out.with_suffix(f".cdxj.{os.getpid()}.tmp")  # two workers may index the same file at once
    kept = _lines_path(cdx_directory, warc_path.name)
    if lines is not None:
        with open(lines, encoding="utf-8") as fh:
            sorted_lines = sorted(fh)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(sorted_lines)
    else:
        from cdxj_indexer.main import CDXJIndexer

        CDXJIndexer(str(tmp), [str(warc_path)], sort=True).process_all()
    os.replace(tmp, out)
    kept.unlink(missing_ok=True)
    capture_index.merge_file(out)
    return out


def own_files(directory: Path, prefix: str, suffix: str = "") -> list[Path]:
    """This prefix's WARC files, by the full naming pattern: a source ``alwatan`` must never touch the
    files of ``alwatan-sy`` (``prefix`` ends with the dash, as callers pass ``SOURCE-``)."""
    pattern = re.compile(re.escape(prefix) + r"\d{17}-\d{5}-[^/]+" + re.escape(WARC_SUFFIX + suffix) + "$")
    return sorted(p for p in Path(directory).glob(f"{prefix}*{WARC_SUFFIX}{suffix}") if pattern.match(p.name))


def index_missing_cdxj(directory: Path, cdx_directory: Path, prefix: str) -> list[Path]:
    """Write the CDXJ of finished WARC files that have none (a kill or a full disk between the rename
    and the index), so every archived capture stays findable."""
    done = []
    for path in own_files(directory, prefix):
        if not (cdx_directory / (path.name.removesuffix(WARC_SUFFIX) + ".cdxj")).exists():
            write_cdxj(path, cdx_directory)
            done.append(path)
    return done


def recover_open_files(directory: Path, cdx_directory: Path | None = None, prefix: str = "",
                       workers: set[str] | None = None) -> list[Path]:
    """Finish WARC files left ``.open`` by a killed crawl (with ``workers``: only those whose name
    ends with one of these worker ids — the others belong to distributed-crawl workers still running).

    Complete records are kept; a trailing partial record is cut off (and counted in the log) so the
    file passes ``warcio check``; then the file is renamed and indexed like a normally closed one.
    """
    recovered = []
    for path in own_files(directory, prefix, OPEN_SUFFIX):
        if workers is not None and worker_of(path.name) not in workers:
            continue
        good_end = 0
        try:
            with open(path, "rb") as fh:
                it = ArchiveIterator(fh)
                for record in it:
                    record.content_stream().read()
                    it.read_to_end()
                    good_end = it.get_record_offset() + it.get_record_length()
        except Exception as exc:  # noqa: BLE001 - any parse error marks the end of the good part
            logger.warning("WARC %s: damaged after byte %d (%s); truncating", path.name, good_end, exc)
        size = path.stat().st_size
        if good_end < size:
            logger.warning("WARC %s: cut %d trailing bytes of an unfinished record", path.name, size - good_end)
            with open(path, "r+b") as fh:
                fh.truncate(good_end)
        final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        os.replace(path, final)
        if cdx_directory:
            write_cdxj(final, cdx_directory)
        recovered.append(final)
    return recovered


@dataclass(frozen=True)
class RecordInfo:
    """A response or revisit record as found in a WARC file (for reconciling state after recovery)."""

    rec_type: str
    url: str
    date: str
    status: int
    digest: str
    record_id: str
    refers_to: str
    etag: str
    last_modified: str
    pointer: WarcPointer
    truncated: str = ""  # WARC-Truncated: only the head of the body is in the record


def iter_records(path: Path) -> Iterator[RecordInfo]:
    """The response and revisit records of one WARC file, in order, one at a time (the file stays
    open until the iteration ends)."""
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            if record.rec_type not in ("response", "revisit"):
                continue
            record.content_stream().read()
            it.read_to_end()
            h = record.rec_headers
            http = record.http_headers
            yield RecordInfo(
                rec_type=record.rec_type, url=h.get_header("WARC-Target-URI"), date=h.get_header("WARC-Date"),
                status=int(http.get_statuscode() or 0) if http else 0,
                digest=h.get_header("WARC-Payload-Digest") or "", record_id=h.get_header("WARC-Record-ID"),
                refers_to=h.get_header("WARC-Refers-To") or "",
                etag=(http.get_header("ETag") or "") if http else "",
                last_modified=(http.get_header("Last-Modified") or "") if http else "",
                pointer=WarcPointer(file=path.name, offset=it.get_record_offset(), length=it.get_record_length(),
                                    record_id=h.get_header("WARC-Record-ID")),
                truncated=h.get_header("WARC-Truncated") or "",
            )
