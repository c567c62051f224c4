"""Scrapy downloader middleware that archives every exchange (articles, feeds, sitemaps, listings,
robots.txt, redirects, errors with a response) through :class:`crawler.warc.WarcRotatingWriter`.

It must sit closest to the downloader (``DOWNLOADER_MIDDLEWARES`` priority 950) so it sees raw,
still-compressed bodies and every hop of a redirect chain. The response record's location is put in
``request.meta[keys.WARC]`` so the article item can point back into the archive, and each capture is
recorded through the crawl's :class:`~crawler.state.CrawlState` once its record is in the file.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from core.config import DataDir
from crawler import keys
from crawler.errors import Refused
from crawler.fetchlog import CaptureRow
from crawler.hooks import on_signals, stop_crawl
from crawler.profiles import profile_of, source_id
from crawler.state import CrawlState
from crawler.warc import (
    IDENTICAL_PAYLOAD,
    SERVER_NOT_MODIFIED,
    Exchange,
    Revisit,
    WarcRotatingWriter,
    index_missing_cdxj,
    iter_records,
    payload_digest,
    recover_open_files,
    warc_date,
)
from crawler.worker import gone_workers, try_lock

logger = logging.getLogger(__name__)


def _pairs(headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        name = key.decode("latin-1")
        for value in values:
            out.append((name, value.decode("latin-1")))
    return out


class WarcArchiveMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = CrawlState.of(crawler)
        data = DataDir.from_settings(settings)
        self.warc_dir = data.warc
        self.cdx_dir = data.cdx
        self.lock_dir = data.locks
        self.max_size = settings.getint("AKHBAR_WARC_MAX_SIZE")
        self.operator = settings.get("AKHBAR_OPERATOR", "")
        # a distributed crawl's worker (crawler/frontier.py): its id names its files; else this host
        self.worker_id = settings.get("AKHBAR_WORKER_ID") if settings.get("AKHBAR_FRONTIER") else None
        self.writer: WarcRotatingWriter | None = None
        self.failed = False
        self._lock_fh = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        mw = cls(crawler)
        return on_signals(crawler, mw, spider_opened=mw.spider_opened, spider_closed=mw.spider_closed)

    def _take_lock(self, prefix: str) -> str | None:
        """One crawl per source at a time: a second one would 'recover' the first one's open WARC.
        The lock is an flock, so the kernel releases it even when the holder is killed. Workers of a
        distributed crawl share it (each also holds its own, ``crawler.worker``), so a plain crawl
        of the source waits for all of them and they for it."""
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fh = try_lock(self.lock_dir / f"{prefix}.lock", shared=self.worker_id is not None)
        if self._lock_fh is None:
            return f"another crawl of {prefix} is running on {self.warc_dir.parent}"
        return None

    def spider_opened(self, spider: Spider) -> None:
        prefix = source_id(spider, spider.name)
        try:
            busy = self._take_lock(prefix)
        except OSError as exc:
            busy = f"data directory is not usable: {exc}"
        if busy:
            self._fail(busy, reason="already_running")
            return
        try:
            self.warc_dir.mkdir(parents=True, exist_ok=True)
            self.cdx_dir.mkdir(parents=True, exist_ok=True)
            if self.worker_id is None:
                recovered = recover_open_files(self.warc_dir, self.cdx_dir, prefix=f"{prefix}-")
            else:  # this worker's files and those of this host's workers that are gone, none other
                with gone_workers(self.lock_dir, prefix, keep=self.worker_id) as gone:
                    recovered = recover_open_files(self.warc_dir, self.cdx_dir, prefix=f"{prefix}-",
                                                   workers={self.worker_id, *gone})
        except OSError as exc:
            self._fail(f"WARC directory {self.warc_dir} is not usable: {exc}")
            return
        for path in recovered:
            logger.warning("Recovered unfinished WARC file %s", path.name)
            self.stats.inc_value(keys.WARC_RECOVERED_FILES)
            self._reconcile(path, spider)
        try:
            for path in index_missing_cdxj(self.warc_dir, self.cdx_dir, f"{prefix}-"):
                logger.warning("Wrote the missing CDXJ index of %s", path.name)
                self.stats.inc_value(keys.WARC_CDXJ_REBUILT)
        except OSError as exc:
            self._fail(f"cannot write CDXJ indexes in {self.cdx_dir}: {exc}")
        info = {"isPartOf": prefix, "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY")
                else "ignore", "http-header-user-agent": self.crawler.settings.get("USER_AGENT", "")}
        if self.operator:
            info["operator"] = self.operator
        if self.worker_id:
            info["akhbar-worker"] = self.worker_id
        source = profile_of(spider)
        if source is not None:
            info["source"] = source.id
            # The profile that drove this crawl, so a reindex years later knows which URLs were
            # articles and what was boilerplate even if the bundled profile has changed since.
            info["akhbar-profile"] = json.dumps(source.to_dict(), ensure_ascii=False, sort_keys=True)
        self.writer = WarcRotatingWriter(self.warc_dir, prefix, cdx_directory=self.cdx_dir,
                                         max_size=self.max_size, info=info, host=self.worker_id)

    def _fail(self, message: str, reason: str = "warc_write_error") -> None:
        """Disk full, unwritable or missing directory: say so once, stop the crawl cleanly."""
        self.failed = True
        self.stats.inc_value(keys.error("warc_write" if reason == "warc_write_error" else reason))
        logger.error("%s; stopping the crawl (nothing is fetched that cannot be archived)", message)
        stop_crawl(self.crawler, reason, message)

    def _reconcile(self, path: Path, spider: Spider) -> None:
        """Record captures that reached a recovered file but not the fetch log (killed in between),
        so they are neither fetched nor archived twice, and get indexed from the WARC."""
        profile = profile_of(spider)
        for rec in iter_records(path):
            is_article = bool(profile and profile.is_article(rec.url))
            added = self.state.archived(CaptureRow(
                record_id=rec.record_id, url=rec.url, source=getattr(profile, "id", ""),
                kind="article" if is_article else "other", fetched=rec.date, status=rec.status,
                digest=rec.digest, etag=rec.etag or None, last_modified=rec.last_modified or None,
                warc_file=rec.pointer["file"], warc_offset=rec.pointer["offset"],
                warc_length=rec.pointer["length"], revisit=rec.rec_type == "revisit",
                refers_to=rec.refers_to or None,
            ), whole_article=is_article and rec.status == 200 and rec.rec_type == "response" and not rec.truncated)
            if added:
                self.stats.inc_value(keys.WARC_RECONCILED_RECORDS)

    def spider_closed(self, spider: Spider) -> None:
        try:
            if self.writer:
                try:
                    self.writer.close()
                except OSError as exc:
                    logger.error("Could not finish WARC file: %s", exc)
                    self.stats.inc_value(keys.error("warc_write"))
                self.stats.set_value(keys.WARC_FILES, len(self.writer.closed_files))
        finally:  # however the crawl ended (budget, error, signal), the next one may take the source
            if self._lock_fh is not None:
                self._lock_fh.close()  # releases the flock
                self._lock_fh = None

    def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        if self.writer is None or self.failed:
            raise Refused("not_archived", "WARC writer unavailable")  # the fatal error was logged once
        kind = request.meta.get(keys.KIND) or ("robots" if response.url.endswith("/robots.txt") else "other")
        digest = payload_digest(response.body)
        truncated = request.meta.get(keys.TRUNCATED, "")
        revisit = None if truncated else self._revisit_for(response, digest)
        exchange = Exchange(
            url=response.url,
            method=request.method,
            request_headers=_pairs(request.headers),
            request_body=request.body or b"",
            status=response.status,
            response_headers=_pairs(response.headers),
            body=response.body,
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            ip_address=str(response.ip_address or ""),
            fetched=datetime.now(UTC),
            truncated=truncated,
        )
        try:
            pointer = self.writer.write(exchange, revisit_of=revisit)
        except OSError as exc:
            self._fail(f"cannot write WARC record for {response.url}: {exc}")
            raise Refused("not_archived", f"WARC write failed: {exc}") from exc
        # what catch-up may extract later: a whole article page, not a revisit or a truncated head
        whole_article = kind == "article" and response.status == 200 and revisit is None and not truncated
        try:
            self.state.archived(self._capture(spider, kind, response, exchange, pointer, digest, revisit),
                                whole_article=whole_article)
        except sqlite3.Error as exc:
            self._fail(f"cannot record the capture of {response.url} in the fetch log: {exc}")
            raise Refused("not_archived", f"fetch log write failed: {exc}") from exc
        request.meta[keys.WARC] = pointer
        request.meta[keys.FETCHED] = exchange.fetched.isoformat()
        request.meta[keys.REVISIT] = revisit is not None
        self.stats.inc_value(keys.WARC_RECORDS, 2)
        if revisit is not None:
            self.stats.inc_value(keys.WARC_REVISITS)
        else:
            self.stats.inc_value(keys.WARC_PAYLOAD_BYTES, len(response.body))
        return response

    @staticmethod
    def _capture(spider: Spider, kind: str, response: Response, exchange: Exchange, pointer: dict, digest: str,
                 revisit: Revisit | None) -> CaptureRow:
        return CaptureRow(
            record_id=pointer["record_id"], url=response.url, source=source_id(spider),
            kind=kind, fetched=warc_date(exchange.fetched), status=response.status,
            digest=revisit.digest if revisit else digest,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            warc_file=pointer["file"], warc_offset=pointer["offset"], warc_length=pointer["length"],
            revisit=revisit is not None, refers_to=revisit.record_id if revisit else None,
        )

    def _revisit_for(self, response: Response, digest: str) -> Revisit | None:
        """A revisit instead of a full copy: 304 Not Modified, or a 200 whose payload is identical
        to the last full capture of the same URL."""
        if response.status not in (200, 304):
            return None
        prev = self.state.latest(response.url)
        if prev is None or not prev.digest:
            return None
        if response.status == 200 and prev.digest != digest:
            return None
        original = self.state.original(response.url, prev.digest)
        if original is None:
            return None
        profile = SERVER_NOT_MODIFIED if response.status == 304 else IDENTICAL_PAYLOAD
        return Revisit(url=original.url, date=original.fetched, digest=original.digest or digest,
                       record_id=original.record_id, profile_uri=profile)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
