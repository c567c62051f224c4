"""The JSON API (``/api/...``), described by FastAPI's generated ``/openapi.json``.

Responses are typed with pydantic models so the OpenAPI description says exactly what comes back.
Snippets keep the backend's form (matches in ``<mark>``, the rest HTML-escaped) and also come as
plain text, so a client need not parse HTML to show them. Every error status a route can answer
is declared with its body (``{"detail": ...}``), so a client — and the property-based test that
drives the API from this description — knows them all; none of them is a 5xx.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from akhbar.health import HealthSettingsError
from akhbar.history import NoSuchVersion
from akhbar.paging import MAX_PAGE, MAX_PER_PAGE
from akhbar.web.render import plain_snippet
from akhbar.web.replay import BadRequest, check_url, lookup, replay_slot, unreadable
from akhbar.web.rewrite import archive_href, archived_text
from akhbar.web.services import SORTS, SearchParams, SearchUnavailable, Services, VersionUnreadable
from core.archive import NotArchived, UnreadableRecord, find_captures
from index.liveness import STATUSES
from index.story_search import copy_summary

router = APIRouter(prefix="/api", tags=["api"])
UNAVAILABLE = "the search index cannot be read (damaged, or its engine is down)"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml", "application/atom+xml",
               "application/xhtml+xml", "application/javascript")


class ErrorOut(BaseModel):
    detail: str = Field(description="what was wrong, in words")


def _errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route answers, each with its body model."""
    return {code: {"model": ErrorOut, "description": text} for code, text in described.items()}


# -- source health (akhbar.health; the shape of `akhbar sources --health --json`, docs/health.md) --
class LastCrawlOut(BaseModel):
    time: str = Field(description="when the source's newest crawl report was written (ISO 8601 UTC)")
    status: str = Field(description="how that crawl ended (Scrapy's finish reason: finished, …)")


class DayCount(BaseModel):
    date: str = Field(description="YYYY-MM-DD (UTC)")
    count: int = Field(description="article URLs first archived and indexed that day")


class HttpErrorRate(BaseModel):
    model_config = {"populate_by_name": True}
    http_4xx: float = Field(alias="4xx", serialization_alias="4xx")
    http_5xx: float = Field(alias="5xx", serialization_alias="5xx")
    network: float


class FailingFeed(BaseModel):
    url: str
    kind: Literal["feed", "sitemap"]
    status: int
    time: str


class SampleOut(BaseModel):
    url: str
    fetched: str


class AlarmOut(BaseModel):
    kind: str = Field(description="crawl_failed, failing_feed, no_new_articles, quality_drop or sample_changed")
    message: str


class SourceHealthOut(BaseModel):
    id: str
    name: str
    last_crawl: LastCrawlOut | None
    articles_per_day: list[DayCount]
    articles_indexed: int
    empty_body_share: float
    missing_date_share: float
    missing_author_share: float
    http_error_rate: HttpErrorRate
    failing_feeds: list[FailingFeed]
    sample: SampleOut | None
    alarms: list[AlarmOut]


class HealthSettingsOut(BaseModel):
    idle_runs: int
    quality_drop: float
    min_pages: int
    days: int


class HealthOut(BaseModel):
    generated: str
    settings: HealthSettingsOut
    schedule: dict[str, str] = Field(description="job name → its last run, from state/schedule.json")
    sources: list[SourceHealthOut]


class FacetValue(BaseModel):
    value: str
    count: int


class CopyOut(BaseModel):
    url: str
    canonical_url: str | None = None
    source: str | None = None
    title: str | None = None
    published: str | None = None
    story_similarity: float | None = Field(None, description="similarity to the article it joined the story by")


class Hit(BaseModel):
    article: dict[str, Any] = Field(description="the stored article record (url, title, text, published, …)")
    score: float
    snippet: str = Field(description="best passage; matches in <mark>, everything else HTML-escaped")
    snippet_text: str = Field(description="the same passage as plain text")
    missing: list[str] = Field(default_factory=list, description="query words (as typed) this article does not "
                               "match; results with every word come first")
    copies: list[CopyOut] = Field(default_factory=list, description="the story's other articles (other outlets' "
                                  "copies), earliest first; empty with copies=all")


class SearchResult(BaseModel):
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = Field(description="source, section, agency, month (YYYY-MM, UTC), "
                                                "status (alive, redirected, gone, blocked, error; changed "
                                                "overlaps them), original_source (the publisher credited)")


class CaptureOut(BaseModel):
    timestamp: str = Field(description="YYYYMMDDhhmmss, UTC")
    url: str
    status: str
    mime: str
    digest: str
    filename: str
    offset: int
    length: int
    replay: str = Field(description="app-relative link to the sandboxed archived response")


class ReplayOut(BaseModel):
    capture: CaptureOut
    status_line: str
    headers: list[tuple[str, str]]
    content_type: str
    length: int
    text: str | None = Field(None, description="decoded body for textual types (Content-Encoding undone)")
    body_base64: str | None = Field(None, description="body for other types")


class VersionOut(BaseModel):
    timestamp: str = Field(description="when the capture that brought this version was made (ISO 8601, UTC)")
    title: str
    content_hash: str
    added: int = Field(description="words added against the version before")
    removed: int = Field(description="words removed against the version before")
    warc: dict[str, Any] = Field(description="where its capture is in the archive (file, offset, length, record_id)")


class HistoryOut(BaseModel):
    url: str
    status: Literal["alive", "changed", "redirected", "gone", "blocked", "error", "unknown"]
    removed_since: str | None = Field(None, description="first capture of the run of 404/410 answers it ends with")
    redirected_to: str | None = None
    versions: list[VersionOut] = Field(description="oldest first")


class DiffRun(BaseModel):
    op: Literal["=", "-", "+"] = Field(description="kept, removed or added")
    text: str


class DiffOut(BaseModel):
    url: str
    a: VersionOut
    b: VersionOut
    diff: list[DiffRun] = Field(description="word-level, in reading order")


def _services(request: Request) -> Services:
    return request.app.state.services


def _capture(c: Any) -> CaptureOut:
    return CaptureOut(timestamp=c.timestamp, url=c.url, status=c.status, mime=c.mime, digest=c.digest,
                      filename=c.filename, offset=c.offset, length=c.length, replay=archive_href(c.url, c.timestamp))


@router.get("/search", response_model=SearchResult, summary="Search archived articles",
            responses=_errors({400: "since/until not a date, or past the calendar's ends", 503: UNAVAILABLE}))
def api_search(
    request: Request,
    q: str = "",
    source: str = "",
    section: str = "",
    agency: str = "",
    month: Annotated[str, Query(description="YYYY-MM; overrides since/until")] = "",
    since: Annotated[str, Query(description="published on or after (YYYY-MM-DD)")] = "",
    until: Annotated[str, Query(description="published on or before (YYYY-MM-DD)")] = "",
    status: Annotated[str, Query(description="the page's standing as check-live last found it, or changed: "
                                 "edited since first archived", pattern="^(" + "|".join(STATUSES) + ")?$")] = "",
    original_source: Annotated[str, Query(description="the original publisher articles credit")] = "",
    copies: Annotated[str, Query(pattern="^(all)?$", description="all: every copy of a story as its own "
                                 "result (default: one result per story, its copies listed with it)")] = "",
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 10,
) -> SearchResult:
    params = SearchParams(q=q, source=source, section=section, agency=agency, month=month, since=since,
                          until=until, status=status, original_source=original_source, copies=copies, sort=sort,
                          page=page, per_page=per_page)
    try:
        results = _services(request).search(params)
    except (ValueError, OverflowError) as exc:  # since/until unparseable or past the calendar's ends
        raise HTTPException(400, str(exc)) from exc
    except SearchUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    return SearchResult(
        total=results.page.total, page=results.page.query.page, per_page=results.page.query.per_page,
        hits=[Hit(article=dict(h.article), score=h.score, snippet=h.snippet, snippet_text=plain_snippet(h.snippet),
                  missing=h.missing, copies=[CopyOut(**copy_summary(c)) for c in h.copies])
              for h in results.page.hits],
        facets={k: [FacetValue(value=v, count=n) for v, n in vals] for k, vals in results.facets.items()},
    )


@router.get("/article", response_model=dict[str, Any], summary="One article by canonical URL or URL",
            responses=_errors({404: "no such article", 503: UNAVAILABLE}))
def api_article(request: Request, url: str) -> dict[str, Any]:
    try:
        article = _services(request).article(url)
    except SearchUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    if article is None:
        raise HTTPException(404, "no such article")
    return dict(article)


@router.get("/history", response_model=HistoryOut, summary="Every version of an article and the page's standing",
            responses=_errors({400: "url is not an absolute http(s) URL", 503: UNAVAILABLE}))
def api_history(request: Request, url: str) -> HistoryOut:
    try:
        return HistoryOut(**_services(request).history(url)[1])
    except BadRequest as exc:
        raise HTTPException(400, str(exc)) from exc
    except SearchUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc


@router.get("/diff", response_model=DiffOut, summary="Word-level diff of two versions of an article",
            responses=_errors({400: "url is not an absolute http(s) URL", 404: "no such version",
                               410: "a version's WARC record is damaged or cut short", 503: UNAVAILABLE}))
def api_diff(
    request: Request,
    url: str,
    a: Annotated[int, Query(description="version number: 1 the oldest, -1 the newest", ge=-10_000, le=10_000)] = 1,
    b: Annotated[int, Query(description="version number: 1 the oldest, -1 the newest", ge=-10_000, le=10_000)] = -1,
) -> DiffOut:
    try:
        got = _services(request).compare(url, a, b)
    except BadRequest as exc:
        raise HTTPException(400, str(exc)) from exc
    except SearchUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    except NoSuchVersion as exc:
        raise HTTPException(404, str(exc)) from exc
    except VersionUnreadable as exc:
        raise HTTPException(410, str(exc)) from exc
    return DiffOut(url=got.history["url"], a=VersionOut(**got.a), b=VersionOut(**got.b),
                   diff=[DiffRun(op=op, text=text) for op, text in got.runs])


class StoryArticle(CopyOut):
    fetched: str | None = None
    similarity: float | None = Field(None, description="to the origin (1 for the origin itself)")
    kind: Literal["origin", "verbatim", "edited"]
    original_source: str = Field("", description="the original publisher the article credits")
    agencies: list[str] = Field(default_factory=list, description="agencies it credits")


class StoryOut(BaseModel):
    story_id: str
    origin: StoryArticle = Field(description="the earliest published article of the story")
    articles: list[StoryArticle] = Field(description="every article of the story, earliest first (origin first)")


@router.get("/story", response_model=StoryOut, summary="Every outlet's copy of one story",
            responses=_errors({404: "no such story", 503: UNAVAILABLE}))
def api_story(request: Request, id: Annotated[str, Query(max_length=100)]) -> StoryOut:
    try:
        story = _services(request).story(id)
    except SearchUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    if story is None:
        raise HTTPException(404, "no such story")
    return StoryOut(**story)


@router.get("/captures", response_model=list[CaptureOut], summary="Every capture of a URL, oldest first",
            responses=_errors({400: "url is not an absolute http(s) URL"}))
def api_captures(request: Request, url: str) -> list[CaptureOut]:
    try:
        url = check_url(url)
    except BadRequest as exc:
        raise HTTPException(400, str(exc)) from exc
    return [_capture(c) for c in find_captures(url, _services(request).data)]


@router.get("/replay", response_model=ReplayOut, summary="The archived response closest to a time",
            responses=_errors({400: "url or at malformed", 404: "not in the archive",
                               410: "the capture's WARC record is damaged or cut short",
                               413: "the payload inflates past the crawl's size limit (DOWNLOAD_MAXSIZE)"}))
def api_replay(
    request: Request,
    url: str,
    at: Annotated[str, Query(description="YYYYMMDDhhmmss or any prefix; latest when empty")] = "",
) -> ReplayOut:
    with replay_slot():
        try:
            rep = lookup(_services(request).data, url, at)
        except BadRequest as exc:
            raise HTTPException(400, str(exc)) from exc
        except NotArchived as exc:
            raise HTTPException(404, str(exc)) from exc
        except UnreadableRecord as exc:
            raise HTTPException(*unreadable(exc)) from exc
        ctype = rep.content_type
        textual = ctype.split(";", 1)[0].strip().lower().startswith(_TEXT_TYPES)
        text = archived_text(rep.body, ctype) if textual else None
        return ReplayOut(capture=_capture(rep.capture), status_line=rep.status_line, headers=rep.headers,
                         content_type=ctype, length=len(rep.body), text=text,
                         body_base64=None if textual else base64.b64encode(rep.body).decode("ascii"))


@router.get("/sources", response_model=HealthOut, response_model_by_alias=True,
            summary="Each crawled source's health and drift alarms",
            responses=_errors({503: UNAVAILABLE + ", or a health setting is not valid"}))
def api_sources(request: Request) -> HealthOut:
    """What ``akhbar sources --health --json`` prints (docs/health.md)."""
    try:
        return HealthOut(**_services(request).health().to_dict())
    except (SearchUnavailable, HealthSettingsError) as exc:
        raise HTTPException(503, str(exc)) from exc
