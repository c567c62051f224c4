"""Bodies over ``DOWNLOAD_MAXSIZE``: keep the head, archive it marked truncated, count ``too_large``.

Scrapy's own limit cancels such a download and throws away what was received, so the page would
leave no trace in the archive. This middleware sits closest to the downloader (priority 960, before
the WARC writer at 950) and takes the transport limit over: it switches Scrapy's per-request
``download_maxsize`` off while the body is downloading, stops the download itself from the
``bytes_received`` signal once the limit is passed (``StopDownload(fail=False)``: Scrapy hands on
what it has), cuts the body to exactly the limit and marks the response
(``request.meta[keys.TRUNCATED] = "length"``). The WARC writer then stores it with
``WARC-Truncated: length`` — the WARC standard's way of saying "this is only the head" — and the
spider does not extract it. On the way back the real limit is put back into the request's meta,
so ``HttpCompressionMiddleware`` still refuses to inflate a decompression bomb beyond it.
"""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.http import Response

from crawler import keys

logger = logging.getLogger(__name__)


class SizeLimitMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SizeLimitMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.bytes_received, signal=signals.bytes_received)
        return mw

    def process_request(self, request: Request) -> None:
        # a retry or redirect copies the meta of the first attempt: the limit is kept, the count reset
        limit = request.meta.get(keys.MAXSIZE) or request.meta.get("download_maxsize", self.maxsize)
        request.meta.pop(keys.TRUNCATED, None)
        if not limit:
            return
        request.meta[keys.MAXSIZE] = limit
        request.meta[keys.RECEIVED] = 0
        request.meta["download_maxsize"] = 0  # the transport limit is ours now (see module docstring)

    def bytes_received(self, data: bytes, request: Request, spider: object) -> None:
        limit = request.meta.get(keys.MAXSIZE)
        if not limit:
            return
        request.meta[keys.RECEIVED] = request.meta.get(keys.RECEIVED, 0) + len(data)
        if request.meta[keys.RECEIVED] > limit:
            raise StopDownload(fail=False)

    def _restore(self, request: Request) -> int:
        limit = request.meta.get(keys.MAXSIZE, 0)
        if limit:
            request.meta["download_maxsize"] = limit
        return limit

    def process_response(self, request: Request, response: Response) -> Response:
        limit = self._restore(request)
        if not limit or "download_stopped" not in response.flags or request.meta.get(keys.RECEIVED, 0) <= limit:
            return response
        request.meta[keys.TRUNCATED] = "length"
        self.stats.inc_value(keys.error("too_large"))
        logger.warning("%s is larger than DOWNLOAD_MAXSIZE (%d bytes): its first %d bytes are archived, "
                       "marked truncated, and not extracted", response.url, limit, limit)
        return response.replace(body=response.body[:limit])

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._restore(request)
