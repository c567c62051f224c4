"""The HTML pages: search, article, captures, the replay view and the sandboxed archive endpoint.

Templates are rendered by a Jinja2 environment with autoescaping forced on, so every string that
came from a crawled page is escaped; the only markup we inject is the re-built snippet highlight.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from akhbar.history import NoSuchVersion
from akhbar.paging import MAX_PAGE
from akhbar.web import render
from akhbar.web.replay import REPLAY_HEADERS, BadRequest, check_at, check_url, replay_slot, serve, unreadable
from akhbar.web.rewrite import archive_href
from akhbar.web.services import FACETS, SearchParams, SearchUnavailable, Services, VersionUnreadable
from core.archive import NotArchived, UnreadableRecord, closest, find_captures

TEMPLATES = Path(__file__).with_name("templates")
FACET_TITLES = {"source": "المصدر", "section": "القسم", "agency": "الوكالة", "month": "الشهر", "status": "الحالة"}

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters.update(snippet=render.safe_snippet, human_date=render.human_date,
                    capture_label=render.capture_label, month_label=render.month_label,
                    is_web_url=render.is_web_url, versions_label=render.versions_label, digits14=render.digits14)
_env.globals.update(qs=render.query_string, facet_titles=FACET_TITLES, facet_names=FACETS,
                    status_labels=render.STATUS_LABELS)
templates = Jinja2Templates(env=_env)
router = APIRouter(include_in_schema=False)


def services(request: Request) -> Services:
    return request.app.state.services


def _error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"title": title, "detail": detail},
                                      status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = "",
    source: str = "",
    section: str = "",
    agency: str = "",
    month: str = "",
    since: str = "",
    until: str = "",
    status: str = "",
    sort: str = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    params = SearchParams(q=q, source=source, section=section, agency=agency, month=month, since=since,
                          until=until, status=status, sort=sort, page=page)
    svc = services(request)
    try:
        results = svc.search(params)
    except (ValueError, OverflowError) as exc:  # since/until unparseable or past the calendar's ends
        return _error(request, 400, "طلب غير صالح", str(exc))
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    query = results.page.query
    pages = max(1, math.ceil(results.page.total / query.per_page))
    window = range(max(1, query.page - 3), min(pages, query.page + 3) + 1)
    return templates.TemplateResponse(request, "search.html", {
        "params": params, "link": params.link_params(), "results": results, "query": query,
        "pages": pages, "window": window, "source_names": svc.source_names,
        "first": (query.page - 1) * query.per_page + 1,
    })


@router.get("/article", response_class=HTMLResponse)
def article_page(request: Request, url: str) -> HTMLResponse:
    """The article as last archived, what became of its page (a banner when it was removed or moved)
    and the timeline of its versions, each linking to its replay and to a diff with the one before."""
    svc = services(request)
    try:
        article, shape = svc.history(url)
    except BadRequest as exc:
        return _error(request, 400, "طلب غير صالح", str(exc))
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    if article is None:
        return _error(request, 404, "المقال غير موجود", url)
    return templates.TemplateResponse(request, "article.html", {
        "a": article, "source_name": svc.source_names.get(article.get("source", ""), ""),
        "at": render.digits14(article.get("fetched") or ""), "history": shape,
        "paragraphs": [p for p in (article.get("text") or "").split("\n") if p.strip()],
    })


@router.get("/diff", response_class=HTMLResponse)
def diff_page(request: Request, url: str, a: int = 1, b: int = -1) -> HTMLResponse:
    """Two versions of an article side by side in one right-to-left text: what was removed struck
    through, what was added underlined, each version linking to its archived page."""
    svc = services(request)
    try:
        got = svc.compare(url, max(-10_000, min(a, 10_000)), max(-10_000, min(b, 10_000)))
    except BadRequest as exc:
        return _error(request, 400, "طلب غير صالح", str(exc))
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    except NoSuchVersion as exc:
        return _error(request, 404, "لا توجد هذه النسخة", str(exc))
    except VersionUnreadable as exc:
        return _error(request, 410, "تعذّرت قراءة النسخة من الأرشيف", str(exc))
    versions = got.history["versions"]
    number = {id(v): n for n, v in enumerate(versions, start=1)}
    return templates.TemplateResponse(request, "diff.html", {
        "a": got.article or {}, "history": got.history, "versions": versions, "runs": got.runs,
        "va": got.a, "vb": got.b, "na": number.get(id(got.a)), "nb": number.get(id(got.b)),
        "added": sum(len(t.split()) for op, t in got.runs if op == "+"),
        "removed": sum(len(t.split()) for op, t in got.runs if op == "-"),
    })


@router.get("/captures", response_class=HTMLResponse)
def captures_page(request: Request, url: str) -> HTMLResponse:
    try:
        url = check_url(url)
    except BadRequest as exc:
        return _error(request, 400, "طلب غير صالح", str(exc))
    caps = find_captures(url, services(request).data)
    status = 200 if caps else 404
    return templates.TemplateResponse(request, "captures.html", {"url": url, "captures": list(reversed(caps))},
                                      status_code=status)


@router.get("/replay", response_class=HTMLResponse)
def replay_page(request: Request, url: str, at: str = "") -> HTMLResponse:
    """The banner (capture time, original URL) around a sandboxed frame holding the archived page."""
    try:
        url, at = check_url(url), check_at(at)
        caps = find_captures(url, services(request).data)
        cap = closest(caps, at or None)
    except BadRequest as exc:
        return _error(request, 400, "طلب غير صالح", str(exc))
    except NotArchived:
        return _error(request, 404, "لا توجد نسخة مؤرشفة", url)
    return templates.TemplateResponse(request, "replay.html", {
        "cap": cap, "count": len(caps), "frame": archive_href(cap.url, cap.timestamp),
    })


@router.get("/archive")
def archive(request: Request, url: str, at: str = "") -> Response:
    """An archived response itself, sandboxed (see ``akhbar.web.replay``); 404 when not archived,
    413 when it inflates past the size limit, 410 when its record is damaged."""
    try:
        with replay_slot():
            served = serve(services(request).data, url, at)
    except BadRequest as exc:
        return Response(str(exc), 400, headers=REPLAY_HEADERS, media_type="text/plain")
    except NotArchived:
        return Response("not in the archive", 404, headers=REPLAY_HEADERS, media_type="text/plain")
    except UnreadableRecord as exc:
        status, message = unreadable(exc)
        return Response(message, status, headers=REPLAY_HEADERS, media_type="text/plain")
    return Response(served.body, served.status, headers=served.headers, media_type=served.media_type)
