"""The kinds a failed request is counted under (``akhbar/errors/<kind>`` in the crawl report).

A user reads the report, so a kind says what happened in the site's terms — ``timeout``,
``connection_refused``, ``connection_lost``, ``too_large`` — never the name of the exception class a
library version happened to raise (Scrapy 2.13+ wraps Twisted's errors in its own
``Download*Error`` classes; older ones did not, so both are listed).

A request the crawl drops on purpose raises an :class:`Ignored` (a Scrapy ``IgnoreRequest``) that
carries its kind, so the errback classifies it by type, never by the words of its message. Scrapy's
own two refusals are turned into these types where they are raised (``crawler/refusals.py``).
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


class Ignored(IgnoreRequest):
    """A request dropped on purpose, with the report's ``kind``; the errback counts and logs it."""

    counted = False  # True: whoever raised it has counted and logged it already

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Refused(Ignored):
    """A request (or redirect) the crawl refuses on purpose. Whoever raises it has already logged
    the one line and counted ``kind`` where the decision was made, so the errback stays quiet.
    ``target``: where a refused redirect pointed."""

    counted = True

    def __init__(self, kind: str, message: str, target: str | None = None) -> None:
        super().__init__(kind, message)
        self.target = target


class RobotsForbidden(Refused):
    """robots.txt says no (Scrapy counts it as ``robotstxt/forbidden``; the report shows that)."""

    def __init__(self, message: str = "Forbidden by robots.txt") -> None:
        super().__init__("robots_forbidden", message)


class DecompressedTooLarge(Ignored):
    """A body that inflates past ``DOWNLOAD_MAXSIZE`` (a decompression bomb): counted ``too_large``."""

    def __init__(self, message: str) -> None:
        super().__init__("too_large", message)


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
    """The report's kind for ``exc``; None when there is nothing to count: a :class:`Refused`
    already counted where it was raised (robots.txt saying no among them)."""
    if isinstance(exc, Ignored):
        return None if exc.counted else exc.kind
    if isinstance(exc, IgnoreRequest):
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
