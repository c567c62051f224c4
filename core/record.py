"""The article record: one shape for the Scrapy item, the index document and JSON output.

Kept as a plain ``dict`` with these keys (a TypedDict for the type checker) so it crosses process,
JSON and Elasticsearch boundaries without conversion code.
"""

from __future__ import annotations

import hashlib
from typing import TypedDict


class WarcPointer(TypedDict, total=False):
    file: str  # WARC file name (no directory), relative to the data dir's warc/
    offset: int  # byte offset of the response record in that file
    length: int  # byte length of the (gzipped) response record
    record_id: str  # WARC-Record-ID of the response record


class Article(TypedDict, total=False):
    url: str
    canonical_url: str
    source: str  # source profile id
    title: str
    subtitle: str
    text: str
    published: str | None  # ISO 8601 with timezone offset
    modified: str | None
    date_source: str  # where `published` came from, e.g. "meta:article:published_time", "visible"
    text_source: str  # how the story's text was found: "trafilatura", or a fallback (pipelines.page.TEXT_SOURCES)
    authors: list[str]
    section: str
    tags: list[str]
    agencies: list[str]
    original_source: str
    language: str
    image: str
    fetched: str  # ISO 8601 UTC, the WARC-Date of the capture
    content_hash: str
    warc: WarcPointer
    versions: list[dict]  # set by the index: every version of the article, oldest first (index.versions)
    live: str  # set by the index: alive, redirected, gone, blocked or error (index.liveness)
    removed_since: str | None  # set by the index: first seen gone (404/410), ISO 8601 UTC
    redirected_to: str | None  # set by the index: where the page now redirects


def content_hash(title: str, text: str) -> str:
    """Hash of what a reader sees; unchanged pages re-fetched later hash the same."""
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def empty_article() -> Article:
    return Article(
        url="", canonical_url="", source="", title="", subtitle="", text="", published=None,
        modified=None, date_source="", text_source="", authors=[], section="", tags=[], agencies=[],
        original_source="", language="ar", image="", fetched="", content_hash="", warc={},
    )
