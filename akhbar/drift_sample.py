"""One sample article page per source, kept so a change in Akhbar's extraction shows as such.

The crawl (``akhbar.crawl``) keeps, once a source has an indexed article, a pointer to that
capture in the WARC files and what extraction found in it then — body length, title, whether it
had a date and authors — in ``state/samples/SOURCE.json`` (one file per source: crawls of
different sources run in parallel processes). ``akhbar sources --health`` (``akhbar.health``)
extracts the same stored bytes again with today's code and compares. The archived page cannot have
changed, so any difference is the code's or the profile's: a cleanup rule that now eats the story,
a date format no longer parsed. A template change on the site itself is caught elsewhere (the
share of empty bodies in the last run against the source's history).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.archive import payload, read_record
from core.config import DataDir
from core.decoding import UnreadableRecord
from core.record import Article, WarcPointer
from crawler.fetchlog import FetchLog
from crawler.profiles import SourceProfile
from pipelines.boilerplate_learning import BoilerplateStore, SiteBoilerplate
from pipelines.capture import NotAnArticle, article_from_capture

logger = logging.getLogger(__name__)

# How much shorter the sample's body may come out today before it counts as a change: learned
# boilerplate grows between crawls and may drop a line or two, never half the story.
BODY_SHRINK = 0.5


@dataclass(frozen=True)
class Found:
    """What extraction found in the sample page."""

    body_length: int
    title: str
    has_date: bool
    has_authors: bool

    @classmethod
    def of(cls, article: Article) -> Found:
        return cls(body_length=len(article.get("text") or ""), title=article.get("title") or "",
                   has_date=bool(article.get("published")), has_authors=bool(article.get("authors")))


def extract_record(data: DataDir, pointer: WarcPointer | dict, url: str, profile: SourceProfile | None, *,
                   fetched: str | None = None, learned: SiteBoilerplate | None = None) -> Article:
    """The article in an archived response record, extracted again from its stored bytes (the same
    ``article_from_capture`` as the crawl). Raises NotAnArticle, OSError or UnreadableRecord."""
    with read_record(data, pointer.get("file", ""), int(pointer.get("offset", 0))) as record:
        body = payload(record)
        ctype = record.http_headers.get_header("Content-Type") or "" if record.http_headers else ""
    return article_from_capture(body, url, profile, content_type=ctype, fetched=fetched, learned=learned)


def sample_path(data: DataDir, source: str) -> Path:
    return data.state / "samples" / f"{source}.json"


def load_sample(data: DataDir, source: str) -> dict[str, Any] | None:
    """The stored sample of ``source`` ({url, fetched, warc, found}), or None (none yet, unreadable)."""
    try:
        return json.loads(sample_path(data, source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _learned(data: DataDir, profile: SourceProfile) -> SiteBoilerplate | None:
    return BoilerplateStore(data.boilerplate).get(profile.id)


def record_sample(data: DataDir, profile: SourceProfile) -> bool:
    """Keep a sample for ``profile``'s source unless it has one whose WARC file is still there:
    the oldest indexed article capture, and what extraction finds in it now. True if one was written."""
    known = load_sample(data, profile.id)
    if known and (data.warc / known.get("warc", {}).get("file", "")).is_file():
        return False
    if not data.fetchlog.exists():
        return False
    with FetchLog(data.fetchlog) as log:
        capture = log.first_indexed_article(profile.id)
    if capture is None or not (data.warc / capture.warc_file).is_file():
        return False  # none yet, or its WARC file is still being written (another worker's): next time
    article = extract_record(data, capture.pointer, capture.url, profile, fetched=capture.fetched,
                             learned=_learned(data, profile))
    sample = {"source": profile.id, "url": capture.url, "fetched": capture.fetched, "warc": capture.pointer,
              "found": asdict(Found.of(article))}
    path = sample_path(data, profile.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(sample, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return True


def record_samples(data: DataDir, profiles: list[SourceProfile]) -> None:
    """``record_sample`` for each crawled source; a sample that cannot be made is logged, never a
    failed crawl (the archive and the index are what the crawl is for)."""
    for profile in profiles:
        try:
            record_sample(data, profile)
        except (OSError, sqlite3.Error, UnreadableRecord, NotAnArticle, ValueError) as exc:
            logger.warning("%s: no drift sample kept (%s)", profile.id, exc)


def recheck(data: DataDir, sample: dict[str, Any], profile: SourceProfile | None) -> list[str]:
    """Extract the sample again with today's code; what changed since it was kept, in words
    (empty: nothing did)."""
    try:
        then = Found(**sample["found"])
    except (KeyError, TypeError):
        return ["the stored sample is unreadable"]
    learned = _learned(data, profile) if profile else None
    try:
        now = Found.of(extract_record(data, sample.get("warc") or {}, sample.get("url", ""), profile,
                                      fetched=sample.get("fetched"), learned=learned))
    except NotAnArticle as exc:
        return [f"the sample page {sample.get('url')} no longer yields an article ({exc.reason})"]
    except (OSError, UnreadableRecord) as exc:
        return [f"the sample page's WARC record cannot be read ({exc})"]
    changes = []
    if now.body_length < then.body_length * BODY_SHRINK:
        changes.append(f"the sample's body came out at {now.body_length} characters, {then.body_length} before")
    if then.title and now.title != then.title:
        changes.append("the sample's title is no longer found" if not now.title else "the sample's title changed")
    if then.has_date and not now.has_date:
        changes.append("the sample's date is no longer found")
    if then.has_authors and not now.has_authors:
        changes.append("the sample's authors are no longer found")
    return changes
