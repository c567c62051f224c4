"""The names components use to talk to each other: request meta keys and crawl stats keys.

A meta key is written by one component and read by others (the WARC middleware writes where a
response was archived, the spider and the pipelines read it); a stats key is counted during the
crawl and read by the crawl report (``akhbar/crawl.py``). Both are contracts between modules, so
each is spelled once, here, and everyone imports the name.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

# -- request meta ----------------------------------------------------------------------------------
KIND = "akhbar_kind"  # what the spider asked for: article, feed, sitemap, listing (else robots/other)
SITEMAP_DEPTH = "akhbar_sitemap_depth"  # how many sitemap index levels lie above this sitemap
WARC = "akhbar_warc"  # the response record's WarcPointer (file, offset, length, record_id)
FETCHED = "akhbar_fetched"  # ISO 8601 instant of the capture (the record's WARC-Date)
REVISIT = "akhbar_revisit"  # True when the capture was written as a revisit record
MAXSIZE = "akhbar_maxsize"  # the body size limit in force for this request (crawler/sizelimit.py)
RECEIVED = "akhbar_received"  # body bytes received so far in this download
TRUNCATED = "akhbar_truncated"  # the WARC-Truncated reason ("length") when the body was cut
FRONTIER_TOKEN = "akhbar_frontier_token"  # this request's entry in the worker's processing hash (crawler/frontier.py)


def record_id(message: Request | Response) -> str | None:
    """The WARC record id of the capture a request or response was archived as, if it was."""
    return message.meta.get(WARC, {}).get("record_id")


# -- stats -----------------------------------------------------------------------------------------
PREFIX = "akhbar/"
ERRORS = "akhbar/errors/"  # + kind: one counter per kind of failure (crawler/errors.py)
LIMITS = "akhbar/limits/"  # + bound: discovery bounds and crawl budgets that were reached

ARTICLES_DISCOVERED = "akhbar/articles_discovered"
FRONTIER_RECLAIMED = "akhbar/frontier_reclaimed"  # requests a gone worker held, queued again by this one
FRONTIER_OUTAGES = "akhbar/frontier_outages"  # times the frontier's Redis stopped answering mid-crawl
ARTICLES_EXTRACTED = "akhbar/articles_extracted"  # fetched pages that held an article (pipelines/extract.py)
TERMS_AGAIN = "akhbar/terms_again"  # records the site learned more about while in a worker: terms made twice
EXTRACTED = "akhbar/extracted/"  # + shortcoming (pipelines.quality): articles with a short body, no date...
ARTICLES_KNOWN = "akhbar/articles_known"  # archived recently: not fetched again
ARTICLES_OVER_LIMIT = "akhbar/articles_over_limit"
ARTICLES_NOT_MODIFIED = "akhbar/articles_not_modified"  # re-fetched, unchanged: a revisit record
ARTICLES_NEW = "akhbar/articles_new"
ARTICLES_UPDATED = "akhbar/articles_updated"
ARTICLES_UNCHANGED = "akhbar/articles_unchanged"
ARTICLES_CAUGHT_UP = "akhbar/articles_caught_up"  # archived by an earlier (killed) crawl, indexed now
ARTICLES_SPOOLED = "akhbar/articles_spooled"
SPOOL_DRAINED = "akhbar/spool_drained"
SPOOL_PENDING = "akhbar/spool_pending"
INDEX_FAILURES = "akhbar/index_failures"
FEEDS_PARSED = "akhbar/feeds_parsed"
SITEMAPS_PARSED = "akhbar/sitemaps_parsed"
LISTINGS_PARSED = "akhbar/listings_parsed"
META_REFRESH_FOLLOWED = "akhbar/meta_refresh_followed"
BACKOFF_EVENTS = "akhbar/backoff_events"
BACKOFF_MAX_DELAY = "akhbar/backoff_max_delay"
FATAL = "akhbar/fatal"  # the message of the error that stopped the crawl
WARC_RECORDS = "akhbar/warc/records"
WARC_REVISITS = "akhbar/warc/revisits"
WARC_PAYLOAD_BYTES = "akhbar/warc/payload_bytes"
WARC_FILES = "akhbar/warc/files"
WARC_RECOVERED_FILES = "akhbar/warc/recovered_files"
WARC_CDXJ_REBUILT = "akhbar/warc/cdxj_rebuilt"
WARC_RECONCILED_RECORDS = "akhbar/warc/reconciled_records"
ARCHIVE_TOTAL = "akhbar/archive_total/"  # + captures, revisits, articles, indexed (the whole fetch log)


LIVENESS = "akhbar/liveness/"  # + outcome of re-requesting an archived article (crawler/spiders/liveness.py)


def liveness(outcome: str) -> str:
    return LIVENESS + outcome


def error(kind: str) -> str:
    """The counter of one kind of failure, ``akhbar/errors/<kind>``."""
    return ERRORS + kind


def limit(bound: str) -> str:
    """The counter of one bound reached, ``akhbar/limits/<bound>``."""
    return LIMITS + bound
