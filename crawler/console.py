"""What the crawl prints: one line per event, nothing a hostile site can use to drive the terminal.

``ConsoleLog`` is a Scrapy extension (enabled in ``crawler/settings.py``) that fits the root log
handler Scrapy installs with two things:

- :class:`TerminalFormatter`: every record is passed through :func:`core.text.terminal_safe`
  (its arguments as single-line fields, the whole text keeping its newlines), so an escape sequence
  in a Content-Type, URL or error message is never written raw;
- :class:`ConsoleFilter`: library internals (trafilatura's «readability_lxml failed», htmldate,
  charset detection, the search client's transport) are demoted to DEBUG; the search client's
  retry warnings, which arrive by the hundred with a traceback each while the engine is down, are
  counted and summarised in one line when the spider closes; Scrapy's «Gave up retrying» is demoted
  too, since the spider logs the outcome of every request once (``NewsSpider.failed`` / ``_ok``);
  and expected network failures lose their traceback (the message already says what happened).

It works the same under ``akhbar crawl`` and ``scrapy crawl``; ``akhbar.crawl.run_crawl`` makes sure
this handler is the only one writing to the terminal during a crawl.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.utils.log import get_scrapy_root_handler
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.web.client import ResponseFailed

from core.text import terminal_safe
from crawler.hooks import on_signals

logger = logging.getLogger(__name__)
# Library retries counted since the last spider closed; one process may run several crawlers, whose
# crawls replace the root handler (and its filter), so the count lives here rather than on the filter.
_RETRIES: Counter[str] = Counter()

# Libraries whose log lines are their own business: the crawl reports outcomes (no_article_text,
# index_unavailable, ...) itself, so what they say is shown only at DEBUG.
LIBRARY_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext", "readability", "charset_normalizer",
                   "elastic_transport", "elasticsearch", "urllib3")
# Libraries whose retry warnings are counted (and summarised at the end) rather than shown.
RETRYING_LOGGERS = ("elastic_transport", "urllib3")
# Lines of Scrapy's that the spider repeats with the outcome (one line per event, not two).
REPORTED_BY_SPIDER = (("scrapy.downloadermiddlewares.retry", "Gave up retrying"),
                      ("scrapy.downloadermiddlewares.httpcompression", "Ignored response"))
# Failures that are the network's doing, not a bug: a line, never a traceback.
NETWORK_ERRORS = (DownloadTimeoutError, DownloadFailedError, DownloadConnectionRefusedError,
                  CannotResolveHostError, ResponseDataLossError, ConnectError, ConnectionLost, DNSLookupError,
                  TxTimeoutError, ResponseFailed)


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # a malformed call: logging reports it when formatting
        return str(record.msg)


def _safe_arg(value: Any, multiline: bool) -> Any:
    if isinstance(value, (int, float)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("latin-1")
    return terminal_safe(value if isinstance(value, str) else str(value), multiline=multiline)


class TerminalFormatter(logging.Formatter):
    """Formats with the handler's own formatter, then makes the result safe for a terminal.

    The arguments of a warning or error (a URL, a Content-Type, an exception message: one field
    each) are made single-line first, so a newline in one cannot start a line that looks like a log
    line of its own; INFO and DEBUG arguments keep theirs (Scrapy's multi-line setting dumps)."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        if record.args:
            record = logging.makeLogRecord(record.__dict__)  # the original stays as it was logged
            multiline = record.levelno < logging.WARNING
            if isinstance(record.args, dict):
                record.args = {k: _safe_arg(v, multiline) for k, v in record.args.items()}
            else:
                record.args = tuple(_safe_arg(a, multiline) for a in record.args)
        return terminal_safe(self.inner.format(record), multiline=True)


class ConsoleFilter(logging.Filter):
    """Demotes library noise below the handler's level and counts library retries (module docstring)."""

    def __init__(self, handler: logging.Handler) -> None:
        super().__init__()
        self.handler = handler

    def _demote(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return self.handler.level <= logging.DEBUG

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if record.levelno > logging.DEBUG and _under(name, LIBRARY_LOGGERS):
            if _under(name, RETRYING_LOGGERS) and _message(record).startswith("Retrying"):
                _RETRIES[name.split(".", 1)[0]] += 1
            return self._demote(record)
        if any(name == lg and _message(record).startswith(start) for lg, start in REPORTED_BY_SPIDER):
            return self._demote(record)
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS) and record.levelno < logging.CRITICAL:
            exc = record.exc_info[1]
            record.exc_info, record.exc_text = None, None
            message = _message(record)
            if str(exc) not in message:
                record.msg, record.args = f"{message} ({type(exc).__name__}: {exc})", None
        return True


def take_retries() -> Counter[str]:
    """The library retries counted since the last call (each closing spider reports its share)."""
    taken = Counter(_RETRIES)
    _RETRIES.clear()
    return taken


def install(handler: logging.Handler) -> ConsoleFilter:
    """Fit ``handler`` with the terminal formatter and the console filter (once)."""
    for existing in handler.filters:
        if isinstance(existing, ConsoleFilter):
            return existing
    if not isinstance(handler.formatter, TerminalFormatter):
        handler.setFormatter(TerminalFormatter(handler.formatter or logging.Formatter()))
    console = ConsoleFilter(handler)
    handler.addFilter(console)
    return console


class ConsoleLog:
    """The Scrapy extension: fits the root handler when the spider opens (Scrapy replaces that
    handler after building the extensions, so not earlier) and reports library retries at close."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConsoleLog:
        ext = cls(crawler)
        return on_signals(crawler, ext, spider_opened=ext.spider_opened, spider_closed=ext.spider_closed)

    def spider_opened(self, spider: Spider) -> None:
        handler = get_scrapy_root_handler()
        if handler is not None:
            install(handler)

    def spider_closed(self, spider: Spider) -> None:
        for library, count in sorted(take_retries().items()):
            self.crawler.stats.set_value(f"akhbar/library_retries/{library}", count)
            logger.warning("%s retried %d request(s) while its server was unreachable (each retry is "
                           "logged at DEBUG)", library, count)
