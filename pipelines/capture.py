"""The one path from a capture (bytes as fetched or archived) to an article record.

The crawl (``ExtractPipeline``), the crawl's catch-up of captures a killed crawl left unindexed,
``akhbar reindex``, ``akhbar extract`` and the gold-set evaluation all call
:func:`article_from_capture`, so the same capture gives the same record wherever it is read — and
a capture that holds no article is refused for the same reasons everywhere, with one exception
type, :class:`NotAnArticle` (its ``reason`` tells the kinds apart).

Learned site boilerplate is used the same way by all of them: it is dropped from the text when
given. Only the callers that see a site's pages as a whole, the crawl and reindex's first pass (and
the evaluation, which runs like a reindex), also count the page into it (``learn=True``); a single
page read on its own (``akhbar extract``, catch-up) only reads what was learned, so it cannot make
its own lines look common.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import datetime

from core.charset import is_html, looks_binary
from core.record import Article
from crawler.profiles import SourceProfile
from index.fields import IndexTerms, compute_terms
from index.stories import sketch_of_stems
from pipelines.boilerplate_learning import LearnedLines, SiteBoilerplate
from pipelines.page import NotAnArticle, ParsedPage, finish_article, parse_page

__all__ = ["NotAnArticle", "analyzed_capture", "article_from_capture", "article_terms", "learned_article",
           "parsed_capture", "refuse_non_html"]


def refuse_non_html(body: bytes, content_type: str | None, url: str) -> None:
    """Raise :class:`NotAnArticle` unless the capture is an HTML page: labelled HTML (a ``None``
    label, a file read from disk, is not judged) and not binary bytes under that label."""
    if content_type is not None and not is_html(content_type):
        raise NotAnArticle(f"{url} is {content_type or 'of no content type'}, not an HTML page", "non_html")
    if looks_binary(body):
        raise NotAnArticle(f"{url} is not HTML (binary content, e.g. an image or an archive)", "binary")


def article_from_capture(
    body: bytes,
    url: str,
    profile: SourceProfile | None,
    *,
    content_type: str | None,
    fetched: str | datetime | None = None,
    learned: SiteBoilerplate | None = None,
    learn: bool = False,
) -> Article:
    """The article record of one capture, or :class:`NotAnArticle`.

    ``content_type`` is the capture's Content-Type header (``""`` when it had none, which is not
    HTML; ``None`` when there is no header to judge). ``fetched`` (ISO 8601 or a datetime) anchors
    relative dates; ``learned`` is the site's learned boilerplate, dropped from the text; with
    ``learn`` the page is first counted into it (once per URL). The record's ``warc`` pointer is
    the caller's to set.
    """
    page = parsed_capture(body, url, profile, content_type=content_type, fetched=fetched)
    return learned_article(page, learned, learn=learn)


def parsed_capture(body: bytes, url: str, profile: SourceProfile | None, *, content_type: str | None,
                   fetched: str | datetime | None = None) -> ParsedPage:
    """The costly, stateless half of :func:`article_from_capture` — the refusal checks and the
    parse — which an extraction worker process can run (its arguments and result are plain data)."""
    refuse_non_html(body, content_type, url)
    return parse_page(body, url, profile, content_type=content_type or "", fetched=fetched)


def analyzed_capture(body: bytes, url: str, profile: SourceProfile | None, *, content_type: str | None,
                     fetched: str | datetime | None = None, learned: LearnedLines | None = None) -> ParsedPage:
    """:func:`parsed_capture` with the index terms of the record it makes — what an extraction
    worker runs, so the analysis too (stems, roots, skeletons: a third of a page's cost to the
    crawl process) is done off the crawl's one core. The learned boilerplate itself lives in the
    crawl process; ``learned`` is what it dropped when the page was sent, so the terms fit the text
    the crawl process makes — unless it learned more meanwhile: then they are computed again."""
    page = parsed_capture(body, url, profile, content_type=content_type, fetched=fetched)
    with suppress(NotAnArticle):  # the crawl process refuses the page with the same reason
        page.terms = article_terms(finish_article(page, learned))
    return page


def article_terms(article: Article) -> IndexTerms:
    """The record's index terms with its story sketch (``index.stories``) riding along: what a
    worker computes for a page, and again for a record whose text learned boilerplate shortened
    (``ExtractionPool.terms``), so the crawl process analyzes no text itself."""
    terms = compute_terms(article)
    found = sketch_of_stems(terms.body.split())
    return replace(terms, sketch=found.encode()) if found is not None else terms


def learned_article(page: ParsedPage, learned: SiteBoilerplate | None, *, learn: bool = False) -> Article:
    """The cheap, stateful half: count the page into the site's learned boilerplate (``learn``),
    then the record with what was learned dropped — run where that state lives."""
    if learn and learned is not None:
        learned.observe(page.url, page.lines)
    return finish_article(page, learned)
