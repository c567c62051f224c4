"""From a request target to the exact bytes and headers a sample site sends, independent of the
socket, so tests (via ``samples.catalog.body_bytes``) and the HTTP server share one truth.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache

from samples import default_base_urls
from samples.aggregator import AggregatorSite
from samples.common import Page, SiteBase, http_date, strong_etag
from samples.dw import DwSite
from samples.watan import WatanSite

SITE_CLASSES: dict[str, type[SiteBase]] = {"watan": WatanSite, "dw": DwSite, "aggregator": AggregatorSite}
COMPRESSIBLE = ("text/html", "application/xml", "application/atom+xml", "application/rss+xml")


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header value allows gzip (``gzip;q=0`` does not)."""
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            return True
    return False


def respond(site: str, target: str, base_urls: dict[str, str], accept_gzip: bool = False) -> Response:
    """The response to ``GET target`` (path plus optional query) on ``site``; cached, since pages
    are pure functions of the request and the sites' base URLs."""
    return _respond(site, target, tuple(sorted(base_urls.items())), accept_gzip)


@lru_cache(maxsize=1024)
def _site(site: str, base_urls: tuple[tuple[str, str], ...]) -> SiteBase:
    return SITE_CLASSES[site](dict(base_urls))


@lru_cache(maxsize=2048)
def _respond(site: str, target: str, base_urls: tuple[tuple[str, str], ...], accept_gzip: bool) -> Response:
    path, _, query = target.partition("?")
    page = _site(site, base_urls).route(path or "/", query)
    return _finish(page, compressible=getattr(SITE_CLASSES[site], "gzip", False), accept_gzip=accept_gzip)


def _finish(page: Page, compressible: bool, accept_gzip: bool) -> Response:
    body = page.body
    headers = [("Content-Type", page.content_type)]
    extra: list[tuple[str, str]] = []
    if compressible and page.content_type.split(";")[0].strip() in COMPRESSIBLE:
        if accept_gzip:
            body = gzip.compress(body, mtime=0)
            extra.append(("Content-Encoding", "gzip"))
        extra.append(("Vary", "Accept-Encoding"))
    headers.append(("Content-Length", str(len(body))))
    if page.last_modified is not None:
        headers.append(("Last-Modified", http_date(page.last_modified)))
    if page.etag:
        headers.append(("ETag", strong_etag(body)))
    return Response(page.status, tuple(headers + extra + page.headers), body)


def body_bytes(
    site: str, path: str, accept_gzip: bool = False, base_urls: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) exactly as the server answers GET ``path`` on ``site``.

    ``Date`` and ``Server`` are left out: the HTTP server adds them per request. ``base_urls``
    must be the running sites' URLs when they are not on the default ports, because pages link
    to each other (the aggregator's trailer links to the dw original).
    """
    resp = respond(site, path, base_urls or default_base_urls(), accept_gzip=accept_gzip)
    return resp.status, dict(resp.headers), resp.body
