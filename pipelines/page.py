"""One HTML page → its article record: trafilatura for the story, then Arabic cleanup, metadata,
dates and credits.

Two steps, so that a caller can learn from a page before cleaning it with what was learned:
``parse_page`` (decode, one lxml parse, metadata and dates from the untouched tree, trafilatura,
the rule-based cleanup) gives a ``ParsedPage``, plain data; ``finish_article`` drops the learned
site boilerplate (``clean_page`` runs the cleanup again with it) and builds the record. Both are
pure functions of their arguments. Callers do not use them directly but through
``pipelines.capture.article_from_capture``, the one way a capture becomes an article.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import lxml.etree
import trafilatura
from trafilatura.settings import Extractor
from w3lib.url import canonicalize_url

from core.arabic import strip_tashkeel
from core.charset import decode_html
from core.record import Article, content_hash, empty_article
from crawler.profiles import SourceProfile
from index.fields import AnalyzedArticle, IndexTerms
from pipelines import metadata as meta
from pipelines.boilerplate_learning import LearnedLines, SiteBoilerplate
from pipelines.cleanup import (
    RELATED_LABELS,
    author_from_line,
    bylines,
    clean_lines,
    credited_name,
    is_ui_line,
    squash,
    strip_title_suffix,
    tidy,
)
from pipelines.credits import find_agencies, find_original_source
from pipelines.dates import DateInfo, extract_dates, find_visible_date

_BLOCK_TAGS = {"div", "p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section"}


class NotAnArticle(ValueError):
    """The capture holds no article: not HTML, binary bytes under an HTML label, unparseable markup,
    no story text, or nothing but boilerplate. The capture stays in the WARC all the same.

    ``reason`` says which, for callers that count them apart (``akhbar reindex`` counts labels and
    bytes that are not HTML as ``non_html``, the rest as ``no_article_text``).
    """

    def __init__(self, message: str, reason: str = "no_text") -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple:
        """Pickled whole (message and reason), as it crosses from an extraction worker process."""
        return type(self), (str(self), self.reason)


def _parse_fetched(fetched: str | datetime | None) -> datetime:
    if isinstance(fetched, datetime):
        return fetched
    if fetched:
        try:
            return datetime.fromisoformat(fetched.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


@dataclass
class ParsedPage:
    """A page read and cleaned by the rules, as plain data: ``lines`` is the body after the rule-based
    cleanup; ``raw_text`` (trafilatura's text), ``phrases`` (the profile's boilerplate), ``leading``
    (what may open the text: title, section, authors) and ``standfirst`` (a lead to put back on top)
    are what ``clean_page`` needs to clean it again with learned boilerplate. ``terms``, when set, are
    the index terms of the record these lines make (``pipelines.capture.analyzed_capture``)."""

    url: str
    source: str
    lines: list[str]
    record: Article
    raw_text: str = field(repr=False, default="")
    phrases: tuple[str, ...] = ()
    leading: tuple[str, ...] = ()
    standfirst: str = ""
    terms: IndexTerms | None = field(repr=False, default=None)


def _unwrap_layout_tables(root: Any) -> None:
    """Old portals lay the whole page out in tables; trafilatura then renders the story as «| cell |»
    table rows or drops it. A table whose cells hold blocks, line-broken text or long prose is layout,
    not data, so it becomes plain divs; real data tables (short cells) are left alone."""
    for table in root.xpath("//table"):
        cells = table.xpath("./tr/td | ./tr/th | ./tbody/tr/td | ./tbody/tr/th | ./thead/tr/th")
        layout = any(
            any(isinstance(ch.tag, str) and ch.tag in _BLOCK_TAGS for ch in cell.iter() if ch is not cell)
            or len(cell.xpath(".//br")) >= 2 or len(cell.text_content()) > 250
            for cell in cells
        )
        if not layout:
            continue
        for el in (table, *table.xpath("./tbody | ./thead | ./tfoot | ./tr | ./*/tr"), *cells):
            el.tag = "div"


_RELATED = frozenset(squash(label) for label in RELATED_LABELS)


def _drop_link_lists(root: Any) -> None:
    """Remove related-story blocks: an element whose first heading is a related label («قد يهمك
    أيضاً», «الأكثر قراءة» ...) and whose other text is all links. Learned boilerplate cannot catch
    them (the titles differ on every page) and trafilatura keeps them when they sit in the story."""
    for heading in root.xpath("//body//*[self::h2 or self::h3 or self::h4 or self::h5 or self::span or self::strong]"):
        if squash(heading.text_content()) not in _RELATED:
            continue
        block = heading.getparent()
        while block is not None and block.tag not in ("section", "div", "aside", "ul", "body"):
            block = block.getparent()
        if block is None or block.tag == "body" or block.getparent() is None:
            continue
        rest = _letters(block.text_content()) - _letters(heading.text_content())
        linked = sum(_letters(a.text_content()) for a in block.xpath(".//a") if heading not in a.iterancestors()
                     and a not in heading.iterdescendants())
        if rest > 0 and linked >= 0.8 * rest:
            block.drop_tree()


def _letters(text: str) -> int:
    return len(squash(text).replace(" ", ""))


def parse_page(
    body: bytes | str,
    url: str,
    profile: SourceProfile | None = None,
    *,
    content_type: str = "",
    fetched: str | datetime | None = None,
) -> ParsedPage:
    """Decode and parse once; read metadata and dates from the untouched tree, then let trafilatura
    find the story in it and clean the text with the rules in ``pipelines.cleanup``."""
    html = body if isinstance(body, str) else decode_html(body, content_type).text
    fetched_at = _parse_fetched(fetched)
    try:
        root = meta.parse_html(html)
    except (ValueError, lxml.etree.LxmlError) as exc:
        raise NotAnArticle(f"unparseable HTML in {url}: {exc}", "unparseable") from exc
    tz = profile.tz if profile else UTC
    objs = meta.jsonld_objects(root)
    site_names = [n for n in (profile.name_ar, profile.name_en) if n] if profile else []
    site_names += [n for n in (meta.meta_content(root, "og:site_name"),) if n]
    raw_titles = [meta.headline(objs), meta.meta_content(root, "og:title"), tidy(root.findtext(".//title") or "")]
    title = meta.choose_title(raw_titles, meta.displayed_texts(root), site_names)
    section_names = [s.name for s in profile.sections if s.name] if profile else []
    section = meta.section(root, objs, title, section_names)
    lead = meta.lead(root, objs)
    lead_shown = bool(lead) and not lead.endswith(("…", "...")) and _shown(root, lead)
    if not lead_shown:  # no meta tag names it: a block the page marks as its standfirst
        lead = meta.standfirst_block(root)
        lead_shown = bool(lead)
    record = empty_article()
    record.update(
        authors=meta.authors(objs, root), tags=meta.tags(root, objs), image=meta.image(root, objs),
        canonical_url=meta.canonical(root), language=(root.get("lang") or "").split("-")[0].lower(),
    )
    dates: DateInfo = extract_dates(html, url, tz=tz, fetched=fetched_at, root=root, jsonld=objs)
    dom_credits = meta.credit_texts(root)

    _unwrap_layout_tables(root)
    _drop_link_lists(root)
    doc, text_source = _story(root, html, url, objs)
    if doc is None:
        raise NotAnArticle(f"no article text found in {url}")
    raw_text = doc.text or ""
    if doc.sitename:
        site_names.append(doc.sitename)
    if not title:
        title = strip_title_suffix(doc.title or raw_titles[-1], profile.title_suffixes if profile else (), site_names)
    if not section and doc.categories:
        section = tidy(doc.categories[0])
    first_line = tidy(raw_text.splitlines()[0]) if raw_text.strip() else ""
    if not section and first_line in section_names:
        section = first_line

    credit_lines = [*bylines(raw_text), *dom_credits]
    authors = record["authors"] or [a for a in map(author_from_line, credit_lines) if a] \
        or [t for t in map(credited_name, dom_credits) if meta.name_like(t)]
    if not authors and not meta.article_objects(objs):
        authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    agencies = find_agencies(*credit_lines, raw_text)
    authors = [a for a in authors if len(a) > 3 and not find_agencies(a) and not _is_site_name(a, site_names)
               and not a.startswith("http")]
    leading = [title, section, *section_names, *raw_titles, *authors]

    canonical = record["canonical_url"] or (doc.url if doc.url and doc.url.startswith("http") else "") or url
    if profile and not profile.is_allowed(canonical):
        canonical = url
    record.update(
        url=url, canonical_url=canonicalize_url(canonical), source=profile.id if profile else "",
        title=title, subtitle=lead if lead_shown else "",
        published=_in_zone(dates.published, profile.tz if profile else None),
        modified=_in_zone(dates.modified, profile.tz if profile else None),
        date_source=dates.source, authors=list(dict.fromkeys(authors)), section=section,
        tags=record["tags"] or _tag_line(raw_text) or [t for t in (doc.tags or []) if t],
        agencies=agencies, original_source=find_original_source(raw_text),
        language=record["language"] or doc.language or (profile.language if profile else "ar"),
        image=record["image"] or doc.image or "", fetched=fetched_at.astimezone(UTC).isoformat(),
        text_source=text_source,
    )
    page = ParsedPage(url=url, source=record["source"], lines=[], record=record, raw_text=raw_text,
                      phrases=tuple(profile.boilerplate) if profile else (), leading=tuple(leading),
                      standfirst=lead if lead_shown else "")
    page.lines = clean_page(page)
    return page


# How the story's text was found, in the order tried (the record's ``text_source``).
TEXT_SOURCES = ("trafilatura", "trafilatura:own-parse", "jsonld:articleBody", "trafilatura:baseline")
SHORT_TEXT = 300  # characters: a text this short is checked against trafilatura's own parse


@lru_cache(maxsize=1)
def _extractor() -> Extractor:
    """trafilatura's options for every page, built once per process: building them reads its
    configuration each time (a fifth of a millisecond per call, ~3 % of a page's extraction)."""
    return Extractor(output_format="python", comments=False, tables=True, images=False, dedup=False,
                     with_metadata=True)


def _options(url: str) -> Extractor:
    """The shared options for one page (trafilatura copies them itself before changing any)."""
    options = copy(_extractor())
    options.url = url
    options.source = url.encode("utf-8", "replace").decode("utf-8")  # as trafilatura's own constructor has it
    return options


def _story(root: Any, html: str, url: str, objs: list[dict]) -> tuple[Any, str]:
    """trafilatura's document of the story and how it was found, or ``(None, "")``: never less than
    plain trafilatura finds. First trafilatura on our tree (the parse every reader shares); when
    that finds nothing or very little, trafilatura on its own parse of the page (it drops comments
    and processing instructions, and some themes' trees only work that way), keeping it if it
    finds at least twice as much; then a whole ``articleBody`` from the publisher's JSON-LD; last,
    trafilatura's baseline (every paragraph of the page), so an archived story is never missing
    from search for want of a method."""
    doc = trafilatura.bare_extraction(root, options=_options(url))
    found = _text_of(doc)
    if len(found) >= SHORT_TEXT:
        return doc, TEXT_SOURCES[0]
    own = trafilatura.bare_extraction(html, options=_options(url))
    if len(_text_of(own)) >= max(2 * len(found), 1):
        return own, TEXT_SOURCES[1]
    if found:
        return doc, TEXT_SOURCES[0]
    body = meta.article_body(objs)
    if len(body) >= SHORT_TEXT and not body.endswith(("…", "...")):  # a teaser is not the story
        return _with_text(own, body, html, url), TEXT_SOURCES[2]
    _, baseline, _ = trafilatura.baseline(html)
    if baseline.strip():
        return _with_text(own, baseline, html, url), TEXT_SOURCES[3]
    return None, ""


def _text_of(doc: Any) -> str:
    return (doc.text or "").strip() if doc is not None else ""


def _with_text(doc: Any, text: str, html: str, url: str) -> Any:
    """A trafilatura document holding ``text``, with the page's metadata (for the fallbacks)."""
    if doc is None:
        doc = trafilatura.metadata.extract_metadata(html, default_url=url)
    doc.text = text
    return doc


def clean_page(page: ParsedPage, drop: Callable[[str], bool] | None = None) -> list[str]:
    """The page's body lines after the rule-based cleanup; ``drop`` removes more lines (the learned
    site boilerplate) before the positional rules run, so they see the text as it will be."""
    lines = clean_lines(
        page.raw_text, line_phrases=page.phrases, drop_leading=page.leading,
        is_dateline=lambda line: find_visible_date(line, UTC) is not None,
        is_credit=lambda line: bool(find_agencies(line)), drop=drop,
    )
    lead = page.standfirst
    if lead and lines and squash(lead) not in {squash(x) for x in lines[:3]}:
        lines.insert(0, lead)  # a standfirst trafilatura dropped as a "teaser"
    return lines


def finish_article(page: ParsedPage, learned: SiteBoilerplate | LearnedLines | None = None) -> Article:
    """The record, with lines learned as this site's boilerplate dropped from the text."""
    lines = page.lines
    if learned is not None and any(learned.is_boilerplate(ln) for ln in lines):
        lines = clean_page(page, learned.is_boilerplate)
    if not lines:
        raise NotAnArticle(f"only boilerplate found in {page.url}", "only_boilerplate")
    article: Article = Article(**page.record)
    text = "\n".join(lines)
    article["text"] = text
    article["content_hash"] = content_hash(article["title"], text)
    # Terms computed before learned lines were dropped do not fit a shorter text: their key says so,
    # and the index computes them again (index.fields.precomputed_terms).
    return AnalyzedArticle(article, page.terms) if page.terms is not None else article


def _in_zone(iso: str | None, tz: Any) -> str | None:
    """A date as the page states it: a page that writes its offset (``+02:00``, ``+04:00``) keeps it,
    so the record's calendar day is the page's own. Only a UTC stamp («…Z», ``+00:00``) — how CMSs
    store time, not a zone a newsroom writes in — is shown in the source profile's zone (same
    instant), so the record reads like the site's dateline; without a profile it stays UTC. Dates
    the page gave with no offset at all already carry the profile's zone (``extract_dates``)."""
    if not iso or tz is None:
        return iso
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.utcoffset() != timedelta(0):
        return iso
    try:
        return when.astimezone(tz).isoformat()
    except (ValueError, OverflowError):
        return iso


def _shown(root: Any, text: str) -> bool:
    """Whether ``text`` is displayed as a block of its own (a standfirst), not only in a meta tag."""
    flat = squash(text)
    for el in root.xpath("//body//p | //body//h2 | //body//div[not(*)] | //body//strong"):
        if squash(el.text_content()) == flat:
            return True
    return False


_TAG_PREFIXES = ("الوسوم", "وسوم", "كلمات دالة", "كلمات مفتاحية", "الكلمات المفتاحية", "الكلمات الدلالية")
_TAG_FIRST_WORDS = frozenset(p.split()[0] for p in _TAG_PREFIXES)


def _tag_line(raw_text: str) -> list[str]:
    """Tags printed as a line of the story («كلمات دالة: الرياض، الصحة»), when there are no meta tags."""
    bare = strip_tashkeel(raw_text)
    if not any(word in bare for word in _TAG_FIRST_WORDS):  # most stories: no line to look at
        return []
    for line in raw_text.splitlines():
        flat = squash(line)
        for prefix in _TAG_PREFIXES:
            if flat.startswith(prefix) and is_ui_line(flat):
                rest = flat[len(prefix):].lstrip(" :：")
                return [t for t in (tidy(x) for x in rest.replace("،", ",").split(",")) if t]
    return []


def _is_site_name(name: str, site_names: list[str]) -> bool:
    """«الوطن» from the byline «| الوطن – وكالات» is the paper, not a person."""
    name = squash(name)
    return any(name in squash(site) or squash(site) in name for site in site_names if site)


