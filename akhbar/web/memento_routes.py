"""The Memento (RFC 7089) routes: ``/timemap/link/{URL}``, ``/timegate/{URL}`` and the mementos,
``/memento/{timestamp}/{URL}`` (rewritten for a browser, as ``/archive``) and
``/memento/{timestamp}id_/{URL}`` (the payload as archived).

``{URL}`` is the rest of the request path, taken undecoded from the request line so the archived
URL's own percent-escapes survive, plus the request's query string, which belongs to it (as in
pywb and the Wayback Machine: ``/timegate/http://example.com/a?b=1``). A URL sent percent-encoded
as a whole (``http%3A%2F%2F…``) is decoded once, and ``http:/host`` (a proxy that merged the
slashes) is mended. What counts as a memento, and the links, are in ``akhbar.web.memento``.

Every route answers HEAD too (Memento clients ask with HEAD), and bad input gets a one-line
``text/plain`` 400, an unarchived URL a 404: never a 500.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from akhbar.web.memento import (
    LINK_FORMAT,
    BadDatetime,
    Memento,
    memento_href,
    memento_links,
    mementos,
    nearest,
    parse_http_date,
    parse_stamp,
    quoted,
    timegate_links,
    timemap,
)
from akhbar.web.replay import REPLAY_HEADERS, BadRequest, check_url, replay_slot, serve, unreadable
from akhbar.web.services import Services
from core.archive import NotArchived, UnreadableRecord, find_captures

router = APIRouter(include_in_schema=False)
METHODS = ["GET", "HEAD"]
VARY = {"Vary": "accept-datetime"}
_ENCODED_URL = re.compile(r"^https?%3a", re.IGNORECASE)
_MERGED_SLASHES = re.compile(r"^(https?):/+", re.IGNORECASE)


def target_url(request: Request, prefix: str) -> str:
    """The URL a Memento route names: what follows ``prefix`` in the raw request path, with the
    query string. BadRequest when that is no absolute http(s) URL."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("utf-8", "replace")
    at = path.find(prefix)
    rest = path[at + len(prefix):] if at >= 0 else ""
    if _ENCODED_URL.match(rest):
        rest = unquote(rest)
    rest = _MERGED_SLASHES.sub(r"\1://", rest, count=1)
    query = request.scope.get("query_string", b"").decode("utf-8", "replace")
    return check_url(quoted(rest + (f"?{query}" if query else "")))


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message + "\n", status, headers=headers, media_type="text/plain")


def _found(request: Request, url: str) -> list[Memento]:
    services: Services = request.app.state.services
    return mementos(find_captures(url, services.data))


@router.api_route("/timemap/link/{rest:path}", methods=METHODS)
def timemap_route(request: Request, rest: str) -> Response:
    """Every memento of the URL, oldest first, in link-format."""
    try:
        url = target_url(request, "/timemap/link/")
    except BadRequest as exc:
        return _text(400, str(exc))
    found = _found(request, url)
    if not found:
        return _text(404, f"no memento of {url} in the archive")
    return Response(timemap(found[-1].capture.url, found), media_type=LINK_FORMAT)


@router.api_route("/timegate/{rest:path}", methods=METHODS)
def timegate_route(request: Request, rest: str) -> Response:
    """A 302 to the memento closest to ``Accept-Datetime`` (the latest without one)."""
    try:
        url = target_url(request, "/timegate/")
        header = request.headers.get("accept-datetime")
        when = parse_http_date(header) if header is not None else None
    except (BadRequest, BadDatetime) as exc:
        return _text(400, str(exc), VARY)
    found = _found(request, url)
    if not found:
        return _text(404, f"no memento of {url} in the archive", VARY)
    chosen = nearest(found, when)
    original = found[-1].capture.url
    return _text(302, "", {**VARY, "Location": memento_href(chosen.capture.url, chosen.stamp),
                           "Link": timegate_links(original, found, chosen)})


@router.api_route("/memento/{stamp}/{rest:path}", methods=METHODS)
def memento_route(request: Request, stamp: str, rest: str) -> Response:
    """The archived response as a memento (``Memento-Datetime``, ``Link``), sandboxed like
    ``/archive``. A timestamp that is not a memento's own redirects to the closest one's."""
    try:
        when, identity = parse_stamp(stamp)
        url = target_url(request, f"/memento/{stamp}/")
    except (BadRequest, BadDatetime) as exc:
        return _text(400, str(exc), REPLAY_HEADERS)
    found = _found(request, url)
    if not found:
        return _text(404, f"no memento of {url} in the archive", REPLAY_HEADERS)
    chosen = nearest(found, when)
    if stamp.removesuffix("id_") != chosen.stamp:
        return _text(302, "", {**REPLAY_HEADERS, "Link": memento_links(found[-1].capture.url),
                               "Location": memento_href(chosen.capture.url, chosen.stamp, identity)})
    try:
        with replay_slot():
            served = serve(request.app.state.services.data, chosen.capture.url, chosen.stamp,
                           href=lambda target, ts: memento_href(target, ts, identity), rewrite=not identity)
    except NotArchived:
        return _text(404, "not in the archive", REPLAY_HEADERS)
    except UnreadableRecord as exc:
        status, message = unreadable(exc)
        return _text(status, message, REPLAY_HEADERS)
    return Response(served.body, served.status, headers=served.headers, media_type=served.media_type)
