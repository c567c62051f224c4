"""Scrapy downloader middleware that archives every exchange (articles, feeds, sitemaps, listings,
robots.txt, redirects, errors with a response) through :class:`pipelines.warc.WarcRotatingWriter`.

It must sit closest to the downloader (``DOWNLOADER_MIDDLEWARES`` priority 950) so it sees raw,
still-compressed bodies and every hop of a redirect chain. The response record's location is put in
``request.meta["akhbar_warc"]`` so the article item can point back into the archive.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from pipelines.warc import Exchange, WarcRotatingWriter, recover_open_files

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
        self.warc_dir = Path(settings.get("AKHBAR_WARC_DIR"))
        self.cdx_dir = Path(settings.get("AKHBAR_CDX_DIR"))
        self.max_size = settings.getint("AKHBAR_WARC_MAX_SIZE")
        self.operator = settings.get("AKHBAR_OPERATOR", "")
        self.writer: WarcRotatingWriter | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        prefix = getattr(spider, "warc_prefix", spider.name)
        for path in recover_open_files(self.warc_dir, self.cdx_dir, prefix=f"{prefix}-"):
            logger.warning("Recovered unfinished WARC file %s", path.name)
            self.stats.inc_value("akhbar/warc/recovered_files")
        info = {"isPartOf": prefix, "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY")
                else "ignore", "http-header-user-agent": self.crawler.settings.get("USER_AGENT", "")}
        if self.operator:
            info["operator"] = self.operator
        source = getattr(spider, "profile", None)
        if source is not None:
            info["source"] = source.id
            # The profile that drove this crawl, so a reindex years later knows which URLs were
            # articles and what was boilerplate even if the bundled profile has changed since.
            info["akhbar-profile"] = json.dumps(source.to_dict(), ensure_ascii=False, sort_keys=True)
        self.writer = WarcRotatingWriter(self.warc_dir, prefix, cdx_directory=self.cdx_dir,
                                         max_size=self.max_size, info=info)

    def spider_closed(self, spider: Spider) -> None:
        if self.writer:
            try:
                self.writer.close()
            except OSError as exc:
                logger.error("Could not finish WARC file: %s", exc)
                self.stats.inc_value("akhbar/errors/warc_write")
            self.stats.set_value("akhbar/warc/files", len(self.writer.closed_files))

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        if self.writer is None or self.failed:
            raise IgnoreRequest("WARC writer unavailable")
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
        )
        try:
            pointer = self.writer.write(exchange)
        except OSError as exc:
            # Disk full or unwritable directory: stop cleanly rather than keep crawling unarchived.
            self.failed = True
            self.stats.inc_value("akhbar/errors/warc_write")
            logger.error("Cannot write WARC record for %s: %s; stopping the crawl", response.url, exc)
            self.crawler.engine.close_spider(spider, "warc_write_error")
            raise IgnoreRequest(f"WARC write failed: {exc}") from exc
        request.meta["akhbar_warc"] = pointer
        request.meta["akhbar_fetched"] = exchange.fetched.isoformat()
        self.stats.inc_value("akhbar/warc/records", 2)
        self.stats.inc_value("akhbar/warc/payload_bytes", len(response.body))
        return response
