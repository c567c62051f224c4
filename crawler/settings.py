"""Scrapy settings for Akhbar. Every Akhbar knob is an ``AKHBAR_*`` setting with its default here.

This module reads no environment variable: the application does (``akhbar.crawl.build_settings``
turns ``AKHBAR_DATA``, ``AKHBAR_BACKEND``, ``AKHBAR_OPERATOR`` and ``AKHBAR_CONTACT_URL`` into these
settings), and components read settings only. ``scrapy crawl news -a source=ID`` from the project
directory uses the defaults below; change them there with ``-s NAME=VALUE``
(``-s AKHBAR_DATA_DIR=/srv/akhbar``).

Polite by default: robots.txt obeyed, AutoThrottle on, at most two requests in flight per domain, and a
User-Agent that names the project and a contact URL (set ``AKHBAR_CONTACT_URL`` to your own page).
"""

from pathlib import Path

from core import __version__
from core.config import DEFAULT_DATA_DIR
from crawler.profiles import SOURCES_DIR

BOT_NAME = "akhbar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"


def user_agent(contact_url: str) -> str:
    """The User-Agent for a contact URL (``build_settings`` recomputes it when the URL is set)."""
    return f"akhbar/{__version__} (Arabic news archiver; +{contact_url})"


# The one data directory; every component derives its paths from it (core.config.DataDir.from_settings).
# A relative path is taken from the working directory when the crawl starts.
AKHBAR_DATA_DIR = DEFAULT_DATA_DIR
AKHBAR_BACKEND = "embedded"  # or "elasticsearch" (its AKHBAR_ES_* connection settings: index/backends.py)
# Where `-a source=ID` looks for the profile: the bundled ones, then the sample sites' (paths only;
# `akhbar crawl` sets the application's list, AKHBAR_SOURCES included, see akhbar/sources.py).
AKHBAR_SOURCES_DIRS = [str(SOURCES_DIR), str(Path(__file__).resolve().parent.parent / "samples" / "sources")]
AKHBAR_INDEX_LOCK_TIMEOUT = 30.0  # seconds the embedded index waits for another writer, then spool
# An article archived less than this many seconds ago is not fetched again (a restarted crawl
# resumes instead of starting over); older ones are re-fetched conditionally (ETag/Last-Modified).
AKHBAR_REVISIT_AFTER = 6 * 3600
AKHBAR_WARC_MAX_SIZE = 100 * 1024 * 1024  # rotate WARC files at ~100 MB
AKHBAR_OPERATOR = ""  # recorded in each WARC's warcinfo
AKHBAR_CONTACT_URL = "https://github.com/akhbar-archive/akhbar"
AKHBAR_INDEX_BATCH = 50  # articles per index transaction
AKHBAR_CHECK_LIVE_MAX = 500  # akhbar check-live: archived article URLs re-requested per source and run
AKHBAR_MAX_ARTICLES = 0  # per source per crawl; 0 = no limit (a profile's max_articles wins if set)

# Discovery is bounded: a hostile or broken site can nest sitemap indexes without end (each child
# linking to ?n=N+1) or list thousands of them. Children deeper than this many index levels below a
# profile's sitemap are not fetched, nor sitemaps beyond this many per crawl; each skip is counted
# (akhbar/limits/sitemap_depth, akhbar/limits/sitemap_count) and logged once. 0 = no limit.
AKHBAR_SITEMAP_MAX_DEPTH = 5
AKHBAR_SITEMAP_MAX_COUNT = 500
# Per-crawl budgets (Scrapy's CloseSpider extension): a crawl ends after this many seconds or pages
# with reason closespider_timeout / closespider_pagecount, its lock released for the next scheduled
# run, which goes on where this one stopped (recently archived articles are not fetched again).
CLOSESPIDER_TIMEOUT = 2 * 3600
CLOSESPIDER_PAGECOUNT = 20_000

USER_AGENT = user_agent(AKHBAR_CONTACT_URL)
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for the output of every response, however little it
# holds; its default of 100 cost a crawl more CPU than WARC writing (about 1.3 ms per page, measured
# with bench/crawl_throughput.py). An article page yields one item and a listing page requests
# only, so 8 loses no parallelism: pages in flight come from many responses at once.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# A body over DOWNLOAD_MAXSIZE is archived as its first DOWNLOAD_MAXSIZE bytes with WARC-Truncated: length,
# counted too_large and not extracted (crawler/sizelimit.py); it also caps decompressed bodies.
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control server (an HTTP endpoint that runs code in the crawl) is on by default;
# like the telnet console it has no place in an unattended archiver, and it costs an aiohttp import.
REMOTE_CONTROL_ENABLED = False
# Archive error pages too: a 404 or 500 is part of what the site did at that moment.
HTTPERROR_ALLOW_ALL = True

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "ar,en;q=0.5",
}

DOWNLOADER_MIDDLEWARES = {
    # closest to the network: a body over DOWNLOAD_MAXSIZE is cut to its head and marked truncated
    "crawler.sizelimit.SizeLimitMiddleware": 960,
    # next to it: sees raw, still-compressed bodies and every redirect hop
    "crawler.archiving.WarcArchiveMiddleware": 950,
    # sees 429/5xx before RetryMiddleware (550) re-schedules them
    "crawler.backoff.ErrorBackoffMiddleware": 580,
    # sees 3xx and meta refreshes before RedirectMiddleware (600) / MetaRefreshMiddleware (580)
    "crawler.redirects.RedirectPolicyMiddleware": 610,
    # Scrapy's own, raising typed refusals instead of a bare IgnoreRequest (crawler/refusals.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.refusals.RobotsTxtRefusals": 100,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.refusals.HttpCompressionRefusals": 590,
}
EXTENSIONS = {
    # terminal-safe log lines, one per event; library noise at DEBUG, library retries summarised
    "crawler.console.ConsoleLog": 0,
    # the fetch log and every change of a capture's standing (what the middlewares and pipelines share)
    "crawler.state.CrawlState": 0,
}
AKHBAR_BACKOFF_BASE = 1.0  # first delay after a 429/5xx, seconds; doubles while errors continue
AKHBAR_BACKOFF_MAX_DELAY = 120.0

# Worker processes that parse article pages off the reactor (pipelines/workers.py); unset = one per
# core, 0 = parse in the crawl process.
AKHBAR_EXTRACT_WORKERS = None
AKHBAR_EXTRACT_TIMEOUT = 60.0  # seconds a page may take in a worker; then the worker is stopped, the
# page counted (akhbar/errors/extract_worker) and left for the next crawl's catch-up
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 300,
    "pipelines.index.IndexPipeline": 800,
}

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
