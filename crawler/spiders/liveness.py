"""``akhbar check-live``: ask again for articles already archived and say what became of each.

Every answer is archived as always (a 404 is evidence too) and classified: ``unchanged`` (304, or
the same payload: a revisit record), ``changed`` (a new payload; the extraction pipeline makes it a
new version when its text differs), ``redirected`` (the redirect is recorded, not followed; one off
the site counts the same), ``gone`` (404/410), ``blocked`` (401/403/451), ``error`` (anything else,
or no answer). The requests are conditional (the last capture's ETag and Last-Modified) and as
polite as a crawl (robots.txt, AutoThrottle, the same middlewares). Work per run is bounded
(``AKHBAR_CHECK_LIVE_MAX`` URLs per source, the longest unchecked first), so a daily run goes round
a large archive. Each reading also goes to the index as a ``LiveCheck`` (``index.liveness``), so a
search can ask for removed stories; ``akhbar.history`` reads the captures themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from core.config import DataDir
from crawler import keys
from crawler.fetchlog import FetchLog
from crawler.items import FetchedPage, LiveCheck
from crawler.spiders.news import NewsSpider
from index.liveness import LiveState, classify, to_second

OUTCOMES = ("checked", "unchanged", "changed", "redirected", "gone", "blocked", "error")


class LivenessSpider(NewsSpider):
    name = "liveness"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        limit = self.settings.getint("AKHBAR_CHECK_LIVE_MAX", 500)
        log = FetchLog(DataDir.from_settings(self.settings).fetchlog)
        try:
            urls = log.least_recently_checked(self.profile.id, limit)
            previous = {url: log.latest(url) for url in urls}
        finally:
            log.close()
        for url in urls:
            prev = previous[url]
            headers = {}
            if prev is not None and prev.etag:
                headers["If-None-Match"] = prev.etag
            if prev is not None and prev.last_modified:
                headers["If-Modified-Since"] = prev.last_modified
            yield scrapy.Request(url, callback=self.checked, errback=self.unanswered, headers=headers,
                                 dont_filter=True, meta={keys.KIND: "article", "dont_redirect": True,
                                                         "handle_httpstatus_all": True})

    def _outcome(self, outcome: str) -> None:
        self._count(keys.liveness("checked"))
        self._count(keys.liveness(outcome))

    def checked(self, response: Response) -> Iterator[FetchedPage | LiveCheck]:
        status = response.status
        live = classify(status)  # the index's own reading of a status (index.liveness)
        if status == 304 or response.meta.get(keys.REVISIT):
            self._outcome("unchanged")
        elif live != "alive":
            self._outcome(live)  # redirected, gone, blocked, error
        else:
            self._outcome("changed" if status == 200 else "error")
        location = response.headers.get(b"Location", b"").decode("latin-1")
        when = to_second(response.meta.get(keys.FETCHED) or None)
        yield LiveCheck(response.url, LiveState(live, when,
                                                urljoin(response.url, location) if location else None))
        if status in (200, 304):  # the rest is archived evidence, not a crawl error: nothing to extract
            yield from self.parse_article(response)  # a new payload is extracted; the index says if it is a new version

    def unanswered(self, failure: Failure) -> Iterator[LiveCheck]:
        """No response to classify: a refused off-site redirect counts as redirected (where to goes
        to the index), the rest as error (and is logged and counted by kind like any failed request)."""
        kind = getattr(failure.value, "kind", "")
        self._outcome("redirected" if kind == "offsite_redirect" else "error")
        self.failed(failure)
        request = getattr(failure, "request", None)
        if kind == "offsite_redirect" and request is not None:
            yield LiveCheck(request.url, LiveState("redirected", to_second(), getattr(failure.value, "target", None)))
        # no answer at all (timeout, refused connection) says nothing about the page: not recorded

