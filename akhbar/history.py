"""What became of an archived article: every version of it and whether the page is still there.

``akhbar history URL`` and ``/api/history`` answer in one JSON shape, a contract other tools script
against::

    {"url", "status": "alive"|"changed"|"redirected"|"gone"|"blocked"|"error"|"unknown",
     "removed_since": ISO time or null, "redirected_to": URL or null,
     "versions": [{"timestamp", "title", "content_hash", "added", "removed", "warc": {...}}]}

The versions are the search index's (``index.versions``: built at indexing, rebuilt by reindex);
the status is read from the archive itself — the URL's captures, newest last, each of which the
crawl archived whatever it answered (a 404 is evidence too). A version's text is not stored: a diff
extracts both versions again from their WARC records, the system of record.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import urljoin

from akhbar.sources import all_profiles
from core.archive import Capture, capture_time, find_captures, payload, read_record
from core.config import DataDir
from core.record import Article
from crawler.profiles import SourceProfile, profile_for_url
from index.versions import Version
from pipelines.boilerplate_learning import BoilerplateStore, SiteBoilerplate
from pipelines.capture import article_from_capture

STATUSES = ("alive", "changed", "redirected", "gone", "blocked", "error", "unknown")
_GONE, _BLOCKED = ("404", "410"), ("401", "403", "451")
_REDIRECTS = ("301", "302", "303", "307", "308")


@dataclass(frozen=True)
class Liveness:
    status: str
    removed_since: str | None = None
    redirected_to: str | None = None


def _digits(when: str) -> str:
    return "".join(ch for ch in when if ch.isdigit())[:14]


def liveness(captures: list[Capture], versions: list[Version], data: DataDir) -> Liveness:
    """The URL's standing by its newest capture: gone (404/410, since the first of the run of them
    it ends with), blocked (401/403/451), redirected (where to, read from the archived response),
    error (any other failure), changed (it brought a new version), alive; unknown without captures."""
    if not captures:
        return Liveness("unknown")
    last = captures[-1]
    if last.status in _GONE:
        since = last
        for capture in reversed(captures):
            if capture.status not in _GONE:
                break
            since = capture
        return Liveness("gone", removed_since=capture_time(since.timestamp).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if last.status in _BLOCKED:
        return Liveness("blocked")
    if last.status in _REDIRECTS:
        return Liveness("redirected", redirected_to=_location(data, last))
    if last.status.startswith(("4", "5")):
        return Liveness("error")
    if len(versions) > 1 and _digits(versions[-1].get("timestamp", "")) == _digits(last.timestamp):
        return Liveness("changed")
    return Liveness("alive")


def _location(data: DataDir, capture: Capture) -> str | None:
    try:
        with read_record(data, capture.filename, capture.offset) as record:
            location = record.http_headers.get_header("Location") if record.http_headers else None
    except (OSError, StopIteration, ValueError):
        return None
    return urljoin(capture.url, location) if location else None


def history(url: str, data: DataDir, article: Article | None) -> dict[str, Any]:
    """The contract's shape for ``url`` (``article``: its indexed record, or None)."""
    versions = list((article or {}).get("versions") or [])
    page_url = (article or {}).get("url") or url
    state = liveness(find_captures(page_url, data), versions, data)
    return {"url": page_url, "status": state.status, "removed_since": state.removed_since,
            "redirected_to": state.redirected_to, "versions": versions}


class NoSuchVersion(LookupError):
    """The version number asked for is not in the list (1 is the oldest, -1 the newest)."""


def pick(versions: list[Version], number: int) -> Version:
    if number == 0 or not -len(versions) <= number <= len(versions):
        raise NoSuchVersion(f"version {number} of {len(versions)} (1 is the oldest, -1 the newest)")
    return versions[number - 1 if number > 0 else number]


def diff(data: DataDir, shape: dict[str, Any], a: int, b: int) -> tuple[Version, Version, list[tuple[str, str]]]:
    """Versions ``a`` and ``b`` of a history (``pick`` numbers) and the word diff between them, both
    extracted again from their WARC records as the crawl did. Raises :class:`NoSuchVersion`, or
    what reading and extracting a record raises (``OSError``, ``ValueError``)."""
    first, second = pick(shape["versions"], a), pick(shape["versions"], b)
    url = shape["url"]
    profile = profile_for_url(url, all_profiles())
    learned = BoilerplateStore(data.boilerplate).get(profile.id) if profile else None
    before, after = (_version_text(data, url, v, profile, learned) for v in (first, second))
    return first, second, word_diff(before, after)


def _version_text(data: DataDir, url: str, version: Version, profile: SourceProfile | None,
                  learned: SiteBoilerplate | None) -> str:
    """A version's headline and text, extracted again from its WARC record."""
    pointer = version.get("warc") or {}
    with read_record(data, pointer.get("file", ""), int(pointer.get("offset", 0))) as record:
        body = payload(record)
        ctype = record.http_headers.get_header("Content-Type") or "" if record.http_headers else ""
    article = article_from_capture(body, url, profile, content_type=ctype, fetched=version.get("timestamp"),
                                   learned=learned)
    return f"{article.get('title') or ''}\n{article.get('text') or ''}"


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` → ``after`` as runs of ("=", kept), ("-", removed), ("+", added) text, word by word
    (whitespace-separated words: Arabic clitics stay with their word, as a reader sees it)."""
    a, b = before.split(), after.split()
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out
