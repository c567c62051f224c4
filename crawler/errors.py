"""The kinds a failed request is counted under (``akhbar/errors/<kind>`` in the crawl report).

A user reads the report, so a kind says what happened in the site's terms — ``timeout``,
``connection_refused``, ``connection_lost``, ``too_large`` — never the name of the exception class a
library version happened to raise (Scrapy 2.13+ wraps Twisted's errors in its own
``Download*Error`` classes; older ones did not, so both are listed).
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as tx
from twisted.internet.defer import CancelledError
from twisted.web.client import ResponseFailed


class Refused(IgnoreRequest):
    """A request (or redirect) the crawl refuses on purpose. Whoever raises it has already logged
    the one line and counted ``kind`` where the decision was made, so the errback stays quiet."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# most specific first: isinstance() picks the first match
_KINDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError), "timeout"),
    ((DownloadConnectionRefusedError, tx.ConnectionRefusedError), "connection_refused"),
    ((CannotResolveHostError, tx.DNSLookupError), "dns"),
    ((DownloadFailedError, ResponseDataLossError, ResponseFailed, tx.ConnectionLost, tx.ConnectionDone,
      tx.ConnectError), "connection_lost"),
    # Scrapy cancels a download whose announced or received size is over DOWNLOAD_MAXSIZE
    ((DownloadCancelledError, CancelledError), "too_large"),
)


def failure_kind(exc: BaseException) -> str | None:
    """The report's kind for ``exc``; None when there is nothing to count: robots.txt said no
    (counted by Scrapy as ``robotstxt/forbidden``) or a :class:`Refused` already counted."""
    if isinstance(exc, Refused):
        return None
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "Forbidden by robots.txt" in text:
            return None
        if "DOWNLOAD_MAXSIZE" in text:  # HttpCompressionMiddleware: a decompression bomb
            return "too_large"
        return "ignored"
    for classes, kind in _KINDS:
        if isinstance(exc, classes):
            return kind
    return type(exc).__name__


def failure_reason(exc: BaseException) -> str:
    """A one-line reason for the log: Twisted's ``ResponseFailed`` (which Scrapy wraps) holds a list
    of Failures whose repr says little («[<twisted.python.failure.Failure ...>]»); their messages do."""
    failed = exc if isinstance(exc, ResponseFailed) else exc.__cause__
    reasons = getattr(failed, "reasons", None)
    if isinstance(failed, ResponseFailed) and reasons:
        return "; ".join(r.getErrorMessage() for r in reasons)
    return str(exc) or type(exc).__name__
