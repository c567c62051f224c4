"""The HTML pages: search, article, captures, the replay view and the sandboxed archive endpoint.

Templates are rendered by a Jinja2 environment with autoescaping forced on, so every string that
came from a crawled page is escaped; the only markup we inject is the re-built snippet highlight.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from akhbar import export
from akhbar.health import HealthSettingsError
from akhbar.history import NoSuchVersion
from akhbar.paging import MAX_PAGE
from akhbar.terminal import also_published
from akhbar.web import render
from akhbar.web.replay import REPLAY_HEADERS, BadRequest, check_at, check_url, replay_slot, serve, unreadable
from akhbar.web.rewrite import archive_href
from akhbar.web.services import FACETS, SearchParams, SearchUnavailable, Services, VersionUnreadable
from core.archive import NotArchived, UnreadableRecord, closest, find_captures, timestamp14

TEMPLATES = Path(__file__).with_name("templates")
FACET_TITLES = {"source": "المصدر", "section": "القسم", "agency": "الوكالة", "month": "الشهر", "status": "الحالة",
                "original_source": "المصدر الأصلي"}

ALARM_TITLES = {"crawl_failed": "لم يكتمل آخر زحف", "failing_feed": "خلاصة أو خريطة موقع تردّ بخطأ",
                "no_new_articles": "لا مقالات جديدة", "quality_drop": "تراجع جودة الاستخراج",
                "sample_changed": "تغيّر استخراج الصفحة النموذجية"}

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters.update(snippet=render.safe_snippet, human_date=render.human_date,
                    capture_label=render.capture_label, month_label=render.month_label,
                    is_web_url=render.is_web_url, versions_label=render.versions_label, digits14=timestamp14)
_env.globals.update(qs=render.query_string, facet_titles=FACET_TITLES, facet_names=FACETS,
                    also_published=also_published, status_labels=render.STATUS_LABELS)
templates = Jinja2Templates(env=_env)
router = APIRouter(include_in_schema=False)


def services(request: Request) -> Services:
    return request.app.state.services


def _error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"title": title, "detail": detail},
                                      status_code=status)


def search_params(
    q: str = "",
    source: str = "",
    section: str = "",
    agency: str = "",
    month: str = "",
    since: str = "",
    until: str = "",
    status: str = "",
    original_source: str = "",
    copies: str = "",
    sort: str = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> SearchParams:
    """The search page's query parameters, which its download links carry as they are."""
    return SearchParams(q=q, source=source, section=section, agency=agency, month=month, since=since,
                        until=until, status=status, original_source=original_source, copies=copies, sort=sort,
                        page=page)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> HTMLResponse:
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


@router.get("/export.csv")
def export_csv(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    """«تنزيل النتائج: CSV»: every article the search page's query matches, every copy, streamed."""
    return _download(request, "csv", params)


@router.get("/export.jsonl")
def export_jsonl(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    return _download(request, "jsonl", params)


def _download(request: Request, fmt: str, params: SearchParams) -> Response:
    """The export as an attachment, produced while it is sent (``akhbar.export``: one backend batch
    in memory), so its size has no bound; a bad date is a 400 page before anything is sent."""
    try:
        rows = services(request).export(params)
    except (ValueError, OverflowError) as exc:
        return _error(request, 400, "طلب غير صالح", str(exc))
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    return StreamingResponse(export.chunks(export.export_lines(fmt, rows)), media_type=export.MEDIA_TYPES[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{export.filename(fmt)}"'})


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> HTMLResponse:
    """Each crawled source's health (``akhbar.health``), its alarms highlighted: what
    ``akhbar sources --health`` prints."""
    try:
        report = services(request).health()
    except HealthSettingsError as exc:
        return _error(request, 503, "إعدادات المراقبة غير صالحة", str(exc))
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    peak = max([1, *(d["count"] for s in report.sources for d in s.articles_per_day)])
    return templates.TemplateResponse(request, "sources.html", {
        "report": report, "alarm_titles": ALARM_TITLES, "bar": lambda n: min(8, math.ceil(8 * n / peak)),
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
        "at": timestamp14(article.get("fetched") or ""), "history": shape,
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
    na, nb = number.get(id(got.a)), number.get(id(got.b))
    url = got.history["url"]

    def side(label: str, v: dict, n: int | None) -> dict:
        return {"label": f"{label}: النسخة {n}", "when": v.get("timestamp"), "title": v.get("title"),
                "href": "/replay" + render.query_string({}, url=url, at=timestamp14(v.get("timestamp") or "")),
                "link_text": "النسخة المؤرشفة"}

    return _diff_page(request, runs=got.runs, heading=f"الفرق بين النسخة {na} والنسخة {nb}",
                      back_href="/article" + render.query_string({}, url=url),
                      back_text=(got.article or {}).get("title") or url,
                      sides=[side("من", got.a, na), side("إلى", got.b, nb)],
                      pick={"url": url, "versions": versions, "na": na, "nb": nb},
                      json_href="/api/diff" + render.query_string({}, url=url, a=na, b=nb))


def _diff_page(request: Request, *, runs: list[tuple[str, str]], **context: object) -> HTMLResponse:
    """diff.html: two texts in one right-to-left run of words, what the second removed struck
    through and what it added underlined, with the words counted."""
    return templates.TemplateResponse(request, "diff.html", {
        "runs": runs, "pick": None, "json_href": "", **context,
        "added": sum(len(t.split()) for op, t in runs if op == "+"),
        "removed": sum(len(t.split()) for op, t in runs if op == "-"),
    })


@router.get("/story", response_class=HTMLResponse)
def story_page(request: Request, id: str) -> HTMLResponse:
    """Every outlet's copy of one story: the origin (earliest published) first, then each copy with
    its time, its similarity to the origin, verbatim or edited, what it credits, and a diff."""
    svc = services(request)
    try:
        story = svc.story(id)
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    if story is None:
        return _error(request, 404, "القصة غير موجودة", id)
    return templates.TemplateResponse(request, "story.html", {"story": story, "source_names": svc.source_names})


@router.get("/story/diff", response_class=HTMLResponse)
def story_diff_page(request: Request, id: str, url: str) -> HTMLResponse:
    svc = services(request)
    try:
        story, origin, copy, runs = svc.story_diff(id, url)
    except SearchUnavailable as exc:
        return _error(request, 503, "البحث غير متاح الآن", str(exc))
    except LookupError as exc:
        return _error(request, 404, "النسخة غير موجودة", str(exc))

    def side(label: str, a: dict) -> dict:
        name = svc.source_names.get(a.get("source") or "", a.get("source") or "")
        return {"label": f"{label}: {name}", "when": a.get("published"), "title": a.get("title"),
                "href": "/article" + render.query_string({}, url=a.get("canonical_url") or a.get("url")),
                "link_text": "المقال"}

    return _diff_page(request, runs=runs, heading="الفرق بين الأصل وهذه النسخة",
                      back_href="/story" + render.query_string({}, id=id),
                      back_text=(story["origin"] or {}).get("title") or id,
                      sides=[side("الأصل", origin), side("النسخة", copy)])


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
