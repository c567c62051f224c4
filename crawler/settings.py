"""Scrapy settings for Akhbar. Every Akhbar knob is an ``AKHBAR_*`` setting with its default here.

Polite by default: robots.txt obeyed, AutoThrottle on, at most two requests in flight per domain, and a
User-Agent that names the project and a contact URL (set ``AKHBAR_CONTACT_URL`` to your own page).
"""

import os

from akhbar import __version__
from akhbar.config import DataDir

BOT_NAME = "akhbar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

_data = DataDir.from_env()
# AKHBAR_DATA_DIR, AKHBAR_WARC_DIR, AKHBAR_CDX_DIR, AKHBAR_INDEX_PATH, AKHBAR_FETCHLOG_PATH,
# AKHBAR_SPOOL_DIR, AKHBAR_BOILERPLATE_DIR, AKHBAR_LOCK_DIR: all under one data directory
globals().update(_data.settings())
AKHBAR_BACKEND = os.environ.get("AKHBAR_BACKEND", "embedded")
AKHBAR_INDEX_LOCK_TIMEOUT = 30.0  # seconds the embedded index waits for another writer, then spool
# An article archived less than this many seconds ago is not fetched again (a restarted crawl
# resumes instead of starting over); older ones are re-fetched conditionally (ETag/Last-Modified).
AKHBAR_REVISIT_AFTER = 6 * 3600
AKHBAR_WARC_MAX_SIZE = 100 * 1024 * 1024  # rotate WARC files at ~100 MB
AKHBAR_OPERATOR = os.environ.get("AKHBAR_OPERATOR", "")
AKHBAR_CONTACT_URL = os.environ.get("AKHBAR_CONTACT_URL", "https://github.com/akhbar-archive/akhbar")
AKHBAR_INDEX_BATCH = 50  # articles per index transaction
AKHBAR_MAX_ARTICLES = 0  # per source per crawl; 0 = no limit (a profile's max_articles wins if set)

USER_AGENT = f"akhbar/{__version__} (Arabic news archiver; +{AKHBAR_CONTACT_URL})"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Archive error pages too: a 404 or 500 is part of what the site did at that moment.
HTTPERROR_ALLOW_ALL = True

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "ar,en;q=0.5",
}

DOWNLOADER_MIDDLEWARES = {
    # closest to the network: sees raw, still-compressed bodies and every redirect hop
    "pipelines.archive.WarcArchiveMiddleware": 950,
    # sees 429/5xx before RetryMiddleware (550) re-schedules them
    "crawler.backoff.ErrorBackoffMiddleware": 580,
    # sees 3xx before RedirectMiddleware (600) follows them
    "crawler.redirects.RedirectLoopMiddleware": 610,
}
AKHBAR_BACKOFF_BASE = 1.0  # first delay after a 429/5xx, seconds; doubles while errors continue
AKHBAR_BACKOFF_MAX_DELAY = 120.0

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 300,
    "pipelines.index.IndexPipeline": 800,
}

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
