"""Which redirects the crawl follows: same-site only, no loops — each refusal a log line and a counter.

Scrapy's own protections are silent or too loose for an archive: a loop ends when the duplicate
filter drops the repeated URL or after ``REDIRECT_MAX_TIMES`` hops without telling the user, and
``OffsiteMiddleware`` compares host names only, so a redirect to the same host on another port is
followed although the profile's ``is_allowed`` demands the same port. This middleware runs just
before ``RedirectMiddleware`` (600) and ``MetaRefreshMiddleware`` (580) and applies the profile's
rules to both kinds of redirect:

- an HTTP 3xx ``Location`` and a ``<meta http-equiv="refresh" content="0;url=…">`` are treated
  alike: pointing back into the chain already followed is ``redirect_loop``, pointing outside the
  site (``SourceProfile.is_allowed``) is ``offsite_redirect``; both are refused;
- a meta refresh that is followed (Scrapy's ``MetaRefreshMiddleware`` does it, within
  ``METAREFRESH_MAXDELAY``) leaves the refreshing page in the archive but tells the fetch log it
  holds no article, so a later crawl's catch-up does not index the redirect stub;
- a refresh to the page itself (a periodic reload, common on news front pages) is no redirect at
  all: the page is passed on as it is, instead of being "redirected" into the duplicate filter.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from crawler import keys
from crawler.errors import Refused
from crawler.profiles import profile_of
from crawler.state import CrawlState

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class RedirectPolicyMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.state = CrawlState.of(crawler)
        settings = crawler.settings
        self.meta_refresh = settings.getbool("METAREFRESH_ENABLED")
        self.meta_maxdelay = settings.getfloat("METAREFRESH_MAXDELAY")
        self.meta_ignore_tags = settings.getlist("METAREFRESH_IGNORE_TAGS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectPolicyMiddleware:
        return cls(crawler)

    def _target(self, request: Request, response: Response) -> tuple[str, str] | None:
        """(how, absolute target URL) when the response redirects, else None."""
        if response.status in REDIRECT_STATUSES and b"Location" in response.headers:
            location = response.headers[b"Location"].decode("latin-1")
            return "redirect", safe_url_string(urljoin(request.url, location))
        if (self.meta_refresh and response.status == 200 and isinstance(response, HtmlResponse)
                and not request.meta.get("dont_redirect")):
            interval, url = get_meta_refresh(response, ignore_tags=self.meta_ignore_tags)
            if url and interval is not None and interval < self.meta_maxdelay:
                return "meta refresh", url
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        found = self._target(request, response)
        if found is None:
            return response
        how, target = found
        spider = self.crawler.spider
        if how == "meta refresh" and target == response.url:
            request.meta["dont_redirect"] = True  # a reload: keep MetaRefreshMiddleware off this page
            return response
        chain = [*request.meta.get("redirect_urls", []), request.url]
        stats = self.crawler.stats
        if target in chain:
            stats.inc_value(keys.error("redirect_loop"))
            logger.warning("redirect loop: %s -> %s", " -> ".join(chain), target)
            self.state.nothing_to_index(keys.record_id(request))
            raise Refused("redirect_loop", f"redirect loop back to {target}")
        profile = profile_of(spider)
        if profile is not None and not profile.is_allowed(target):
            stats.inc_value(keys.error("offsite_redirect"))
            logger.warning("%s: %s leads off the site to %s; not followed (archived as it is)", response.url,
                           how, target)
            self.state.nothing_to_index(keys.record_id(request))
            raise Refused("offsite_redirect", f"{how} off the site to {target}", target=target)
        if how == "meta refresh":
            stats.inc_value(keys.META_REFRESH_FOLLOWED)
            self.state.nothing_to_index(keys.record_id(request))
        return response
