"""Serving archived responses to a browser without letting them act like live pages.

An archived page is attacker-controlled content: it may carry scripts, event handlers and links to
anything. It is served with ``Content-Security-Policy: sandbox`` (no ``allow-scripts``, no
``allow-same-origin``: an opaque origin that cannot run code or read the app's cookies and DOM)
plus ``default-src 'none'`` with only our own origin allowed for images, styles, fonts and media,
so a sub-resource the rewriter missed is blocked, never fetched live. Lookups go through the CDXJ
index only, and the WARC file named there must sit directly in the archive directory
(``core.archive.read_record`` checks it), so no request can make us open another file.

Stored payloads are inflated by the archive's bounded decoder, so a gzip bomb is answered
413 and a damaged or cut-short record 410 (``unreadable``), never a 500 or a partial body; at most
``MAX_PARALLEL_REPLAYS`` requests decode and rewrite at once, so parallel large captures cannot
add up to more memory than a few limits' worth.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from akhbar.web.memento import http_date, memento_links
from akhbar.web.rewrite import archive_href, archived_text, rewrite_css, rewrite_html
from core.archive import NotArchived, PayloadTooLarge, Replay, UnreadableRecord, capture_time, replay
from core.config import DataDir

REPLAY_CSP = "; ".join([
    "sandbox",
    "default-src 'none'",
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "media-src 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
])
REPLAY_HEADERS = {
    "Content-Security-Policy": REPLAY_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=300",
}
MAX_URL = 4096
MAX_PARALLEL_REPLAYS = 4
_replay_slots = threading.BoundedSemaphore(MAX_PARALLEL_REPLAYS)
_AT = re.compile(r"^[0-9]{0,17}$")


class BadRequest(ValueError):
    """The URL or timestamp cannot name a capture (wrong scheme, too long, not digits)."""


def check_url(url: str) -> str:
    """Only absolute http(s) URLs name captures: ``file:``, relative paths and the like are refused
    before anything is looked up."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise BadRequest("url must be an absolute http(s) URL of at most 4096 characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError as exc:
        raise BadRequest(f"url is not a valid URL: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadRequest("url must be an absolute http(s) URL")
    return url


def check_at(at: str | None) -> str:
    at = (at or "").strip()
    if not _AT.match(at):
        raise BadRequest("at must be a timestamp: up to 17 digits, YYYYMMDDhhmmss or any prefix")
    return at


@dataclass
class Served:
    """What the ``/archive`` endpoint sends: status, headers and body, or a redirect target."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str]
    replay: Replay


@contextmanager
def replay_slot() -> Iterator[None]:
    """Hold one of the few slots for decoding and rewriting a capture (see the module docstring)."""
    with _replay_slots:
        yield


def unreadable(exc: UnreadableRecord) -> tuple[int, str]:
    """Status and message for a capture that is known but cannot be given back."""
    if isinstance(exc, PayloadTooLarge):
        return 413, f"capture too large to replay: {exc}"
    return 410, f"capture cannot be replayed: {exc}"


def lookup(data: DataDir, url: str, at: str | None) -> Replay:
    """The capture closest to ``at``. A known capture that cannot be given back is an
    UnreadableRecord (413/410); anything else that cannot be read (a missing or out-of-archive WARC
    file included) is NotArchived, so callers answer 4xx, never 500."""
    try:
        return replay(check_url(url), data, at=check_at(at) or None)
    except (NotArchived, UnreadableRecord, BadRequest):
        raise
    except (OSError, ValueError) as exc:
        raise NotArchived(f"{url}: capture unreadable ({type(exc).__name__})") from exc


def serve(data: DataDir, url: str, at: str | None, *, href: Callable[[str, str], str] = archive_href,
          rewrite: bool = True) -> Served:
    """The archived response for the browser, rewritten to point at the archive (call it holding a
    :func:`replay_slot`), as a memento (RFC 7089: ``Memento-Datetime``, ``Link``). ``href(url,
    timestamp)`` makes the link an archived redirect points to; ``rewrite=False`` gives the payload
    as archived (Content-Encoding undone), still under the sandbox headers."""
    rep = lookup(data, url, at)
    ts = rep.capture.timestamp
    headers = dict(REPLAY_HEADERS)
    headers["Memento-Datetime"] = http_date(capture_time(ts))
    headers["Link"] = memento_links(rep.capture.url)
    status = _status(rep.status_line)
    location = next((v for k, v in rep.headers if k.lower() == "location"), "")
    if 300 <= status < 400 and location:
        headers["Location"] = href(urljoin(rep.capture.url, location), ts)
        return Served(status if status in (301, 302, 303, 307, 308) else 302, "text/plain", b"", headers, rep)
    ctype = rep.content_type or "application/octet-stream"
    mime = ctype.split(";", 1)[0].strip().lower() if rewrite else ""
    if mime in ("text/html", "application/xhtml+xml"):
        body = rewrite_html(rep.body, ctype, rep.capture.url, ts).encode("utf-8")
        return Served(status, "text/html; charset=utf-8", body, headers, rep)
    if mime == "text/css":
        css = archived_text(rep.body, ctype)  # same charset rules; CSS has no <meta>, BOM/header/utf-8 win
        return Served(status, "text/css; charset=utf-8", rewrite_css(css, rep.capture.url, ts).encode(), headers, rep)
    return Served(status, _header_safe(ctype), rep.body, headers, rep)


def _status(status_line: str) -> int:
    try:
        code = int(status_line.split(" ", 1)[0])
    except ValueError:
        return 200
    return code if 200 <= code < 600 else 200


def _header_safe(value: str) -> str:
    """Archived header values go back out as headers: no CR/LF, printable ASCII only."""
    return "".join(ch for ch in value if 32 <= ord(ch) < 127)
