"""What the three sample sites share: the response type, feed and sitemap builders, pagination,
and the base class that routes the machine-readable paths (robots, feeds, sitemaps) of a site.

Each site module supplies its own HTML templates; only XML formats, which are standardized, are
shared here.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, quote

from samples.catalog import SampleArticle, site_articles

HTML_UTF8 = "text/html; charset=UTF-8"
XML_UTF8 = "application/xml; charset=UTF-8"
PER_PAGE = 4


def e(text: object) -> str:
    """HTML/XML-escape any value (quotes included, so it is safe in attributes too)."""
    return html.escape(str(text), quote=True)


@dataclass
class Page:
    """A response before transport concerns (Content-Length, gzip, Date) are added."""

    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None
    etag: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)


def html_page(text: str, status: int = 200, article: SampleArticle | None = None) -> Page:
    page = Page(status, HTML_UTF8, text.encode("utf-8"))
    if article is not None:
        page.last_modified, page.etag = article.modified_dt, True
    return page


def http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def rfc822(value: datetime) -> str:
    return format_datetime(value)


def page_number(query: str, key: str = "page") -> int:
    """``?page=N`` as an int (1 when missing or junk, so bad links land on page 1)."""
    raw = parse_qs(query).get(key, ["1"])[0]
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def paginate(items: Sequence[SampleArticle], page: int, per_page: int = PER_PAGE) -> tuple[list, bool]:
    """(the slice for ``page``, whether a next page exists); an empty slice means 404."""
    start = (page - 1) * per_page
    return list(items[start:start + per_page]), start + per_page < len(items)


def tag_path(prefix: str, tag: str) -> str:
    return f"{prefix}{quote(tag)}/"


# -- XML formats ----------------------------------------------------------------------------------
def xml_page(text: str, content_type: str = XML_UTF8) -> Page:
    return Page(200, content_type, text.encode("utf-8"))


def sitemap_index(locs: Sequence[str], lastmod: datetime | None) -> str:
    when = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
    rows = "".join(f"\n  <sitemap><loc>{e(loc)}</loc>{when}</sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}\n</sitemapindex>\n'
    )


def urlset(entries: Sequence[tuple[str, datetime | None]]) -> str:
    rows = []
    for loc, lastmod in entries:
        when = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        rows.append(f"\n  <url><loc>{e(loc)}</loc>{when}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(rows)}\n</urlset>\n'
    )


def news_sitemap(entries: Sequence[tuple[str, SampleArticle]], publication: str, language: str = "ar") -> str:
    rows = []
    for loc, art in entries:
        rows.append(
            f"\n  <url>\n    <loc>{e(loc)}</loc>\n    <news:news>\n      <news:publication>"
            f"<news:name>{e(publication)}</news:name><news:language>{language}</news:language>"
            f"</news:publication>\n      <news:publication_date>{art.published}</news:publication_date>\n"
            f"      <news:title>{e(art.title)}</news:title>\n    </news:news>\n  </url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f'{"".join(rows)}\n</urlset>\n'
    )


def teaser(art: SampleArticle, limit: int = 160) -> str:
    """First sentence-ish of the story, for feed descriptions and listing teasers."""
    first = art.body[0] if art.body else art.title
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + " …"


# -- site base ------------------------------------------------------------------------------------
class SiteBase:
    """Routes one site; subclasses render HTML and say where their feeds and sitemaps live."""

    name = ""
    publication = ""
    robots_disallow: tuple[str, ...] = ()
    sitemap_index_path = ""
    sitemap_paths: tuple[str, ...] = ()  # (urlset, news sitemap) plus any extras
    feed_path = ""

    def __init__(self, base_urls: dict[str, str]) -> None:
        self.base_urls = base_urls
        self.base = base_urls[self.name].rstrip("/")
        self.articles = site_articles(self.name)
        self.by_path = {a.url_path: a for a in self.articles}

    def abs(self, path: str) -> str:
        return self.base + path

    @property
    def newest(self) -> datetime | None:
        return self.articles[0].modified_dt if self.articles else None

    # -- routing -----------------------------------------------------------------------------
    def route(self, path: str, query: str) -> Page:
        if path == "/robots.txt":
            return self.robots()
        if path == self.feed_path:
            return self.feed()
        if path == self.sitemap_index_path:
            return xml_page(sitemap_index([self.abs(p) for p in self.sitemap_paths], self.newest))
        if self.sitemap_paths and path == self.sitemap_paths[0]:
            return xml_page(self.article_urlset())
        if len(self.sitemap_paths) > 1 and path == self.sitemap_paths[1]:
            return xml_page(news_sitemap([(self.abs(a.url_path), a) for a in self.articles], self.publication))
        page = self.route_html(path, query)
        return page if page is not None else self.not_found(path)

    def robots(self) -> Page:
        lines = ["User-agent: *", *(f"Disallow: {p}" for p in self.robots_disallow), "",
                 f"Sitemap: {self.abs(self.sitemap_index_path)}", ""]
        return Page(200, "text/plain; charset=utf-8", "\n".join(lines).encode("utf-8"))

    def article_urlset(self) -> str:
        return urlset([(self.abs("/"), self.newest)] + [(self.abs(a.url_path), a.modified_dt) for a in self.articles])

    def route_html(self, path: str, query: str) -> Page | None:
        raise NotImplementedError

    def feed(self) -> Page:
        raise NotImplementedError

    def not_found(self, path: str) -> Page:
        text = (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>404</title></head>'
            f"<body><h1>الصفحة غير موجودة</h1><p>{e(path)}</p></body></html>\n"
        )
        return Page(404, HTML_UTF8, text.encode("utf-8"))

    def rss2(self, title: str, description: str, items: Sequence[SampleArticle], self_path: str) -> Page:
        """An RSS 2.0 channel in the shape WordPress and most CMSs emit."""
        rows = []
        for a in items:
            cats = f"<category><![CDATA[{a.section}]]></category>"
            creator = f"<dc:creator><![CDATA[{'، '.join(a.authors) or self.publication}]]></dc:creator>"
            rows.append(
                f"\n    <item>\n      <title>{e(a.title)}</title>\n      <link>{e(self.abs(a.url_path))}</link>\n"
                f"      {creator}\n      <pubDate>{rfc822(a.published_dt)}</pubDate>\n      {cats}\n"
                f'      <guid isPermaLink="true">{e(self.abs(a.url_path))}</guid>\n'
                f"      <description>{e(teaser(a))}</description>\n    </item>"
            )
        last = rfc822(self.newest) if self.newest else ""
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom">\n  <channel>\n'
            f"    <title>{e(title)}</title>\n"
            f'    <atom:link href="{e(self.abs(self_path))}" rel="self" type="application/rss+xml" />\n'
            f"    <link>{e(self.abs('/'))}</link>\n    <description>{e(description)}</description>\n"
            f"    <lastBuildDate>{last}</lastBuildDate>\n    <language>ar</language>"
            f'{"".join(rows)}\n  </channel>\n</rss>\n'
        )
        return xml_page(text, "application/rss+xml; charset=UTF-8")
