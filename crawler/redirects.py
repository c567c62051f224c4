"""Stop redirect loops where they are seen, with a log line and a counter.

Scrapy's own protections end a loop silently (the duplicate filter drops the repeated URL) or after
``REDIRECT_MAX_TIMES`` hops; either way the user never hears that a page could not be reached.
This middleware runs just before ``RedirectMiddleware`` (600) and recognises a Location that points
back into the chain already followed.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)


class RedirectLoopMiddleware:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            # the spider's errback counts it under akhbar/errors/redirect_loop
            logger.warning("redirect loop: %s -> %s", " -> ".join(chain), target)
            raise IgnoreRequest(f"redirect loop back to {target}")
        return response
