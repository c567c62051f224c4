"""The one generic news spider. What to crawl comes from a source profile, never from code.

Discovery runs three ways at once, as a site offers them: RSS/Atom feeds, sitemaps (indexes, plain
urlsets and Google News sitemaps, via Scrapy's own ``scrapy.utils.sitemap``) and section listing pages
with pagination. Only URLs the profile calls articles are fetched as articles; everything fetched,
feeds and listings included, is archived by the WARC middleware before it reaches these callbacks.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url, url_query_cleaner

from core.charset import control_bytes, is_html, looks_binary
from crawler import keys
from crawler.errors import failure_kind, failure_reason
from crawler.frontier import Frontier
from crawler.items import FetchedPage
from crawler.profiles import Section, SourceProfile, load_profiles
from crawler.state import CrawlState

DISCOVERY = ("feeds", "sitemaps", "sections")  # the ways a profile lists articles
# Query parameters that make endless variants of one page: trackers and session ids.
TRACKING_PARAMS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "fbclid", "gclid",
    "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref", "ref_src", "amp",
    "phpsessid", "jsessionid", "sid", "sessionid", "session_id", "aspsessionid", "cfid", "cftoken",
)
_TRACKING = frozenset(TRACKING_PARAMS)


def clean_url(url: str) -> str:
    """Canonical form of a discovered link: tracking and session parameters dropped (any case),
    query sorted, fragment gone — so a spider trap of URL variants collapses to one URL."""
    keys = {k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k.lower() not in _TRACKING}
    cleaned = url_query_cleaner(url, parameterlist=sorted(keys), remove=False, keep_fragments=False) if keys \
        else url.split("?", 1)[0].split("#", 1)[0]
    return canonicalize_url(cleaned)


class NewsSpider(scrapy.Spider):
    name = "news"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        """``-a source=ID`` names a profile in the ``AKHBAR_SOURCES_DIRS`` setting's directories
        (``akhbar crawl`` passes the profile itself)."""
        source = kwargs.get("source")
        if kwargs.get("profile") is None and source:
            profiles = load_profiles([Path(d) for d in crawler.settings.getlist("AKHBAR_SOURCES_DIRS")])
            if source not in profiles:
                raise ValueError(f"unknown source {source!r}; known: {', '.join(sorted(profiles))}")
            kwargs["profile"] = profiles[source]
        return super().from_crawler(crawler, *args, **kwargs)

    def __init__(self, source: str | None = None, profile: SourceProfile | None = None,
                 max_articles: int | str | None = None, discover: str | list[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if profile is None:
            raise ValueError("NewsSpider needs -a source=ID (see `akhbar sources`)")
        self.profile = profile
        self.allowed_domains = list(profile.allowed_domains)
        self._max_articles = int(max_articles) if max_articles else 0
        if isinstance(discover, str):
            discover = [d.strip() for d in discover.split(",") if d.strip()]
        self.discover = set(discover or DISCOVERY)
        unknown = self.discover - set(DISCOVERY)
        if unknown:
            raise ValueError(f"unknown discovery kind(s) {sorted(unknown)}; use {', '.join(DISCOVERY)}")
        self._seen: set[str] = set()
        self._scheduled = 0
        self._sitemaps: set[str] = set()  # sitemaps requested this crawl (AKHBAR_SITEMAP_MAX_COUNT)
        self._sitemap_cap_logged = False

    @property
    def state(self) -> CrawlState:
        """The crawl's state (what was archived when): the crawler's ``CrawlState`` extension, which
        Scrapy builds after the spider, so it is looked up when first needed."""
        return CrawlState.of(self.crawler)

    def closed(self, reason: str) -> None:
        budget = {"closespider_timeout": "CLOSESPIDER_TIMEOUT", "closespider_pagecount": "CLOSESPIDER_PAGECOUNT",
                  "closespider_itemcount": "CLOSESPIDER_ITEMCOUNT"}.get(reason)
        if budget:
            self.crawler.stats.inc_value(keys.limit(reason.removeprefix("closespider_")))
            self.logger.warning("crawl budget %s=%s used up: stopped early (what was fetched is archived; "
                                "the next crawl goes on from here)", budget, self.settings.get(budget))

    @property
    def max_articles(self) -> int:
        return self.profile.max_articles or self._max_articles or self.settings.getint("AKHBAR_MAX_ARTICLES")

    # -- entry points -------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        feeds = self.profile.feed_urls if "feeds" in self.discover else []
        sitemaps = self.profile.sitemap_urls if "sitemaps" in self.discover else []
        sections = self.profile.section_list if "sections" in self.discover else []
        for url in feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.failed, meta={keys.KIND: "feed"})
        for url in sitemaps:
            request = self._sitemap_request(url, 0)
            if request is not None:
                yield request
        for section in sections:
            yield self._listing_request(section.url, section, 1)

    def _listing_request(self, url: str, section: Section, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                              cb_kwargs={"section": section, "page": page}, meta={keys.KIND: "listing"})

    def _sitemap_request(self, url: str, depth: int) -> scrapy.Request | None:
        """A sitemap request, or None once AKHBAR_SITEMAP_MAX_COUNT sitemaps were requested this crawl
        (each skip counted under akhbar/limits/sitemap_count, logged once). The depth limit is
        applied by ``parse_sitemap``, which knows how deep the index it is reading was."""
        if url in self._sitemaps:
            return None  # listed twice: the duplicate filter would drop it anyway, so do not count it
        max_count = self.settings.getint("AKHBAR_SITEMAP_MAX_COUNT")
        if max_count and len(self._sitemaps) >= max_count:
            self._count(keys.limit("sitemap_count"))
            if not self._sitemap_cap_logged:
                self._sitemap_cap_logged = True
                self.logger.warning("%d sitemaps fetched, the most AKHBAR_SITEMAP_MAX_COUNT allows per crawl: "
                                    "%s and any further sitemaps are skipped (counted)", max_count, url)
            return None
        self._sitemaps.add(url)
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed,
                              meta={keys.KIND: "sitemap", keys.SITEMAP_DEPTH: depth})

    # -- helpers ------------------------------------------------------------------------------
    def _count(self, key: str, n: int = 1) -> None:
        """Add to a stats key of ``crawler.keys`` (the crawl report reads them by the same names)."""
        self.crawler.stats.inc_value(key, n)

    def _ok(self, response: Response, kind: str) -> bool:
        if response.meta.get(keys.TRUNCATED):
            return False  # only the head was received: archived, counted and logged as too_large
        if response.status == 200:
            return True
        self._count(keys.error(f"http_{response.status}"))
        self.logger.warning("%s %s answered HTTP %d; skipped", kind, response.url, response.status)
        return False

    def _article_requests(self, urls: list[str], base: str) -> Iterator[scrapy.Request]:
        revisit_after = self.settings.getfloat("AKHBAR_REVISIT_AFTER")
        for raw in urls:
            url = clean_url(urljoin(base, raw.strip()))
            if url in self._seen or not self.profile.is_allowed(url) or not self.profile.is_article(url):
                continue
            self._seen.add(url)
            if self.state.fetched_within(url, revisit_after):
                self._count(keys.ARTICLES_KNOWN)  # archived recently (or before a restart): not again
                continue
            prev = self.state.latest(url)
            if self.max_articles and self._scheduled >= self.max_articles:
                self._count(keys.ARTICLES_OVER_LIMIT)
                continue
            self._scheduled += 1
            self._count(keys.ARTICLES_DISCOVERED)
            headers = {}
            if prev is not None:  # changed since? let the server say 304 if not
                if prev.etag:
                    headers["If-None-Match"] = prev.etag
                if prev.last_modified:
                    headers["If-Modified-Since"] = prev.last_modified
            yield scrapy.Request(url, callback=self.parse_article, errback=self.failed, headers=headers,
                                 meta={keys.KIND: "article"})

    def _check_xml(self, body: bytes, url: str, kind: str) -> None:
        """Count a malformed feed or sitemap even when lxml's recovery still finds links in it."""
        try:
            etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            self._count(keys.error(f"bad_{kind}"))
            self.logger.warning("%s %s is malformed XML (%s); using what can be recovered", kind, url, exc)

    # -- callbacks ----------------------------------------------------------------------------
    def failed(self, failure: Failure) -> None:
        """A request that produced no response: one log line and one counter per kind of failure
        (the kinds are in ``crawler.errors``)."""
        exc = failure.value
        request = getattr(failure, "request", None)
        Frontier.done(self.crawler, request)  # a distributed crawl: this request's work is over
        if request is not None:
            # archived, then refused (a decompression bomb...): catch-up must not extract it later
            self.state.nothing_to_index(keys.record_id(request))
        kind = failure_kind(exc)
        if kind is None:
            return  # robots.txt said no, or a refusal already logged and counted where it was made
        url = getattr(request, "url", "") or ""
        self._count(keys.error(kind))
        self.logger.warning("%s failed (%s): %s", url, kind, failure_reason(exc))

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not self._ok(response, "feed"):
            return
        self._check_xml(response.body, response.url, "feed")
        try:
            sel = scrapy.Selector(body=response.body, type="xml")
            sel.remove_namespaces()
            links = sel.xpath("//item/link/text()").getall()
            links += sel.xpath("//entry/link[not(@rel) or @rel='alternate']/@href").getall()
        except Exception as exc:  # noqa: BLE001 - a broken feed must not stop the crawl
            links = []
            self.logger.warning("feed %s could not be parsed: %s", response.url, exc)
        if not links:
            self.logger.warning("feed %s yielded no article links", response.url)
        self._count(keys.FEEDS_PARSED)
        yield from self._article_requests(links, response.url)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if not self._ok(response, "sitemap"):
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            limit = self.settings.getint("DOWNLOAD_MAXSIZE")
            try:
                body = gunzip(body, max_size=limit)
            except (OSError, EOFError, zlib.error) as exc:
                self._count(keys.error("bad_sitemap"))
                self.logger.warning("sitemap %s: bad gzip: %s", response.url, exc)
                return
            except ValueError:  # scrapy's _DecompressionMaxSizeExceeded: a gzip bomb
                self._count(keys.error("too_large"))
                self.logger.warning("sitemap %s inflates past DOWNLOAD_MAXSIZE (%d bytes); skipped", response.url,
                                    limit)
                return
        self._check_xml(body, response.url, "sitemap")
        try:
            sitemap = Sitemap(body)
            entries = list(sitemap)
        except Exception as exc:  # noqa: BLE001 - lxml raises several kinds on junk
            self.logger.warning("sitemap %s could not be parsed: %s", response.url, exc)
            return
        self._count(keys.SITEMAPS_PARSED)
        locs = [e["loc"] for e in entries if e.get("loc")]
        if sitemap.type == "sitemapindex":
            children = [u for u in (urljoin(response.url, loc.strip()) for loc in locs) if self.profile.is_allowed(u)]
            depth = response.meta.get(keys.SITEMAP_DEPTH, 0) + 1
            max_depth = self.settings.getint("AKHBAR_SITEMAP_MAX_DEPTH")
            if max_depth and depth > max_depth and children:
                self._count(keys.limit("sitemap_depth"), len(children))
                self.logger.warning("sitemap index %s is nested %d levels deep, more than AKHBAR_SITEMAP_MAX_DEPTH=%d:"
                                    " its %d child sitemap(s) are skipped (counted)", response.url, depth - 1,
                                    max_depth, len(children))
                return
            for url in children:
                request = self._sitemap_request(url, depth)
                if request is not None:
                    yield request
        else:
            yield from self._article_requests(locs, response.url)

    def parse_listing(self, response: Response, section: Section, page: int) -> Iterator[scrapy.Request]:
        if not self._ok(response, "listing"):
            return
        if not hasattr(response, "css"):
            self._count(keys.error("non_html"))
            return
        self._count(keys.LISTINGS_PARSED)
        yield from self._article_requests(response.css("a::attr(href)").getall(), response.url)
        if section.next_page and page < section.max_pages:
            nxt = response.css(section.next_page).get()
            if nxt:
                url = urljoin(response.url, nxt.strip())
                if self.profile.is_allowed(url) and not self.profile.is_article(url):
                    yield self._listing_request(url, section, page + 1)

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        if response.status == 304 or response.meta.get(keys.REVISIT):
            self._count(keys.ARTICLES_NOT_MODIFIED)  # archived as a revisit record; nothing to re-extract
            return
        if not self._ok(response, "article"):
            return
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if not is_html(ctype):
            self._count(keys.error("non_html"))
            self.logger.warning("article %s is %s, not HTML; archived but not extracted", response.url,
                                ctype or "of no content type")
            self.state.nothing_to_index(keys.record_id(response))
            return
        if looks_binary(response.body):
            self._count(keys.error("binary_as_html"))
            self.logger.warning("article %s is labelled %s but its bytes are binary; archived, not extracted",
                                response.url, ctype)
            self.state.nothing_to_index(keys.record_id(response))
            return
        stray = control_bytes(response.body)
        if stray:  # text with a few NULs or other control bytes: they are dropped when decoding
            self._count(keys.error("control_bytes"))
            self.logger.warning("article %s holds %d stray control byte(s) (NUL and the like); dropped before "
                                "extraction", response.url, stray)
        yield FetchedPage(
            url=response.url, source=self.profile.id, body=response.body, content_type=ctype,
            status=response.status, fetched=response.meta.get(keys.FETCHED, ""),
            warc=response.meta.get(keys.WARC, {}),
        )


