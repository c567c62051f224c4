"""Back off a site that is failing: 429 and 5xx storms double the per-domain delay (honouring
``Retry-After``) up to ``AKHBAR_BACKOFF_MAX_DELAY``; successes bring it back down.

AutoThrottle only reacts to latency and never lowers the delay on an error, so the two compose: this
middleware raises the floor while a site is in trouble and releases it as the site recovers.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler import keys

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = {429, 500, 502, 503, 504}


class ErrorBackoffMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.base = crawler.settings.getfloat("AKHBAR_BACKOFF_BASE", 1.0)
        self.max_delay = crawler.settings.getfloat("AKHBAR_BACKOFF_MAX_DELAY", 120.0)
        self.normal = crawler.settings.getfloat("DOWNLOAD_DELAY", 0.0)
        self.failures: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ErrorBackoffMiddleware:
        return cls(crawler)

    def _slot(self, request: Request):
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    def process_response(self, request: Request, response: Response) -> Response:
        key, slot = self._slot(request)
        if slot is None:
            return response
        if response.status in BACKOFF_STATUSES:
            self.failures[key] = self.failures.get(key, 0) + 1
            delay = min(self.max_delay, max(slot.delay * 2, self.base, _retry_after(response)))
            if delay > slot.delay:
                slot.delay = delay
                self.stats.inc_value(keys.BACKOFF_EVENTS)
                self.stats.max_value(keys.BACKOFF_MAX_DELAY, delay)
                logger.warning("%s answers %d (%d in a row): waiting %.1fs between requests", key,
                               response.status, self.failures[key], delay)
        elif response.status < 400 and self.failures.get(key):
            self.failures[key] = 0
            slot.delay = max(self.normal, slot.delay / 2)
        return response


def _retry_after(response: Response) -> float:
    value = response.headers.get(b"Retry-After")
    try:
        return float(value.decode()) if value else 0.0
    except ValueError:  # an HTTP date: treat as "a while"
        return 0.0
