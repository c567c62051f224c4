"""Article extraction: trafilatura for text and metadata, then Arabic cleanup, dates and credits.

``extract_article`` is a pure function of (bytes, content type, URL, profile, fetch time) so that the
crawl, ``akhbar extract``, ``akhbar reindex`` (reading the WARC) and the evaluation harness produce the
same record from the same capture. ``ExtractPipeline`` wraps it for Scrapy.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import trafilatura
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from w3lib.url import canonicalize_url

from akhbar.record import Article, content_hash, empty_article
from crawler.items import FetchedPage
from crawler.profiles import SourceProfile
from pipelines.charset import decode_html as decode_with_repair
from pipelines.cleanup import bylines, clean_text, squash, strip_title_suffix, tidy
from pipelines.credits import find_agencies, find_original_source
from pipelines.dates import extract_dates, find_visible_date

logger = logging.getLogger(__name__)


class ExtractionError(ValueError):
    """The page holds no article text we could find (kept in the WARC all the same)."""


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(encoding, text) the way browsers do it: BOM, then HTTP charset, then <meta>, then sniffing,
    with detection only where the declared charset plainly failed (see ``pipelines.charset``).

    The crawl and a reindex from the WARC both come through here, so they decode alike.
    """
    decoded = decode_with_repair(body, content_type)
    return decoded.encoding, decoded.text


def _parse_fetched(fetched: str | datetime | None) -> datetime:
    if isinstance(fetched, datetime):
        return fetched
    if fetched:
        try:
            return datetime.fromisoformat(fetched.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def extract_article(
    body: bytes | str,
    url: str,
    profile: SourceProfile | None = None,
    *,
    content_type: str = "",
    fetched: str | datetime | None = None,
) -> Article:
    html = body if isinstance(body, str) else decode_html(body, content_type)[1]
    fetched_at = _parse_fetched(fetched)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, deduplicate=False,
    )
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError(f"no article text found in {url}")
    raw_text = doc.text or ""
    site_names = [n for n in (profile.name_ar, profile.name_en) if n] if profile else []
    if doc.sitename:
        site_names.append(doc.sitename)
    title = strip_title_suffix(doc.title or "", profile.title_suffixes if profile else (), site_names)
    section = ", ".join(doc.categories or []) if doc.categories else ""
    section_names = [s.name for s in profile.sections if s.name] if profile else []
    byline_lines = bylines(raw_text)
    first_line = tidy(raw_text.splitlines()[0]) if raw_text.strip() else ""
    if not section and first_line in section_names:
        section = first_line
    boiler = profile.boilerplate if profile else ()
    text = clean_text(raw_text, line_phrases=boiler, drop_leading=[title, section, *section_names],
                      is_dateline=lambda line: find_visible_date(line, UTC) is not None)
    if not text:
        raise ExtractionError(f"only boilerplate found in {url}")

    tz = profile.tz if profile else UTC
    dates = extract_dates(html, url, tz=tz, fetched=fetched_at)
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    agencies = find_agencies(*byline_lines, raw_text)
    authors = [a for a in authors if not find_agencies(a) and not _is_site_name(a, site_names)]

    canonical = doc.url if doc.url and doc.url.startswith("http") else url
    if profile and not profile.is_allowed(canonical):
        canonical = url
    article = empty_article()
    article.update(
        url=url,
        canonical_url=canonicalize_url(canonical),
        source=profile.id if profile else "",
        title=title,
        subtitle=_subtitle(doc.description or "", text),
        text=text,
        published=dates.published,
        modified=dates.modified,
        date_source=dates.source,
        authors=authors,
        section=section,
        tags=[t for t in (doc.tags or []) if t],
        agencies=agencies,
        original_source=find_original_source(raw_text),
        language=doc.language or (profile.language if profile else "ar"),
        image=doc.image or "",
        fetched=fetched_at.astimezone(UTC).isoformat(),
        content_hash=content_hash(title, text),
    )
    return article


def _is_site_name(name: str, site_names: list[str]) -> bool:
    """«الوطن» from the byline «| الوطن – وكالات» is the paper, not a person."""
    name = squash(name)
    return any(name in squash(site) or squash(site) in name for site in site_names if site)


def _subtitle(description: str, text: str) -> str:
    """The lead, unless it is just the opening of the body cut off with an ellipsis (most meta
    descriptions are)."""
    lead = tidy(description).rstrip("…. ").strip()
    if not lead or squash(lead) in squash(text):
        return ""
    return tidy(description)


class ExtractPipeline:
    """FetchedPage -> Article. Failures are logged and counted; the capture stays in the WARC."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item: FetchedPage, spider: Spider) -> Article:
        if not isinstance(item, FetchedPage):
            return item
        profile = getattr(spider, "profile", None)
        try:
            article = extract_article(item.body, item.url, profile, content_type=item.content_type,
                                      fetched=item.fetched)
        except ExtractionError as exc:
            self.stats.inc_value("akhbar/errors/no_article_text")
            logger.warning("%s", exc)
            raise DropItem(str(exc)) from exc
        except Exception as exc:
            self.stats.inc_value("akhbar/errors/extract_failed")
            logger.exception("extraction failed for %s", item.url)
            raise DropItem(f"extraction failed for {item.url}: {exc}") from exc
        article["warc"] = item.warc
        self.stats.inc_value("akhbar/articles_extracted")
        return article
