"""What became of an archived article: every version of it and whether the page is still there.

``akhbar history URL`` and ``/api/history`` answer in one JSON shape, a contract other tools script
against::

    {"url", "status": "alive"|"changed"|"redirected"|"gone"|"blocked"|"error"|"unknown",
     "removed_since": ISO time or null, "redirected_to": URL or null,
     "versions": [{"timestamp", "title", "content_hash", "added", "removed", "warc": {...}}]}

The versions are the search index's (``index.versions``: built at indexing, rebuilt by reindex);
the status is read from the archive itself — the URL's captures, newest last, each of which the
crawl archived whatever it answered (a 404 is evidence too), by the rule the index keeps for its
filters (``index.liveness.fold``; ``archive_liveness`` is what reindex records). A version's text
is not stored: a diff extracts both versions again from their WARC records, the system of record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import urljoin

from akhbar.drift_sample import extract_record
from akhbar.sources import all_profiles
from core.archive import Capture, capture_time, find_captures, iter_cdx, read_record, timestamp14
from core.config import DataDir
from core.record import Article
from crawler.profiles import SourceProfile, profile_for_url
from index.liveness import LiveState, classify, fold
from index.versions import Version
from pipelines.boilerplate_learning import BoilerplateStore, SiteBoilerplate

STATUSES = ("alive", "changed", "redirected", "gone", "blocked", "error", "unknown")


@dataclass(frozen=True)
class Liveness:
    status: str
    removed_since: str | None = None
    redirected_to: str | None = None


def _iso(timestamp: str) -> str:
    return capture_time(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state(captures: list[Capture], data: DataDir) -> LiveState:
    """``index.liveness.fold`` over captures (oldest first), with where a redirect points read from
    the newest capture's archived response."""
    state = fold((_iso(c.timestamp), c.status) for c in captures)
    if state.live == "redirected":
        return LiveState("redirected", state.since, _location(data, captures[-1]))
    return state


def liveness(captures: list[Capture], versions: list[Version], data: DataDir) -> Liveness:
    """The URL's standing by its newest capture: gone (404/410, since the first of the run of them
    it ends with), blocked (401/403/451), redirected (where to, read from the archived response),
    error (any other failure), changed (it brought a new version), alive; unknown without captures."""
    if not captures:
        return Liveness("unknown")
    state = _state(captures, data)
    if state.live == "gone":
        return Liveness("gone", removed_since=state.since)
    if state.live == "redirected":
        return Liveness("redirected", redirected_to=state.redirected_to)
    if state.live != "alive":
        return Liveness(state.live)
    if len(versions) > 1 and timestamp14(versions[-1].get("timestamp")) == timestamp14(captures[-1].timestamp):
        return Liveness("changed")
    return Liveness("alive")


def archive_liveness(data: DataDir) -> dict[str, LiveState]:
    """Every archived page whose captures end in anything but a live page, by its newest capture's
    URL, read from the CDXJ indexes (two scans: most pages never answered otherwise, so only those
    that did are held in memory)."""
    troubled = {c.urlkey for c in iter_cdx(data.cdx) if classify(c.status) != "alive"}
    if not troubled:
        return {}
    grouped: dict[str, list[Capture]] = {}
    for capture in iter_cdx(data.cdx):
        if capture.urlkey in troubled:
            grouped.setdefault(capture.urlkey, []).append(capture)
    out: dict[str, LiveState] = {}
    for captures in grouped.values():
        captures.sort(key=lambda c: c.timestamp)
        state = _state(captures, data)
        if state.live != "alive":
            out[captures[-1].url] = state
    return out


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
    article = extract_record(data, version.get("warc") or {}, url, profile, fetched=version.get("timestamp"),
                             learned=learned)
    return f"{article.get('title') or ''}\n{article.get('text') or ''}"


# A word — letters, digits, Arabic vowel marks and tatweel, so «الحكومةُ» is one token — or one
# punctuation mark («،» «؟» «"»), each with the whitespace after it: an added comma is not a changed
# word, and the text is given back with its spaces and paragraph breaks as they were.
_TOKEN = re.compile(r"([\w\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]+|[^\w\s])(\s*)")


def _tokens(text: str) -> tuple[list[str], list[str]]:
    found = _TOKEN.findall(text.strip())
    return [t for t, _ in found], [t + space for t, space in found]


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` → ``after`` as runs of ("=", kept), ("-", removed), ("+", added) text, token by
    token (``_TOKEN``: Arabic clitics stay with their word, as a reader sees it), whitespace and
    line breaks kept."""
    a, a_text = _tokens(before)
    b, b_text = _tokens(after)
    out: list[tuple[str, str]] = []

    def run(op: str, parts: Iterable[str]) -> None:
        text = "".join(parts)
        if text:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in _slid(SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes(), a, b):
        if tag == "equal":
            run("=", b_text[j1:j2])
            continue
        run("-", a_text[i1:i2])
        run("+", b_text[j1:j2])
    return out


def _slid(opcodes: list[tuple[str, int, int, int, int]], a: list[str],
          b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Opcodes with each pure insertion or deletion between two kept runs moved past the punctuation
    it starts with when the same mark follows it: a sentence added after «… الماضي.» reads
    «وأضاف … القادم.» added, not «. وأضاف … القادم» — the same edit, aligned as a reader sees it."""
    ops = [list(op) for op in opcodes]
    for k in range(1, len(ops) - 1):
        before, op, after = ops[k - 1], ops[k], ops[k + 1]
        if op[0] not in ("insert", "delete") or before[0] != "equal" or after[0] != "equal":
            continue
        seq, lo, hi, end = (b, op[3], op[4], after[4]) if op[0] == "insert" else (a, op[1], op[2], after[2])
        shift = 0
        while hi + shift < end and seq[lo + shift] == seq[hi + shift] and not seq[lo + shift][0].isalnum():
            shift += 1
        if shift:  # the moved marks leave the run after and join the run before
            before[2] += shift
            before[4] += shift
            op[1:] = [x + shift for x in op[1:]]
            after[1] += shift
            after[3] += shift
    return [(str(o[0]), o[1], o[2], o[3], o[4]) for o in ops if o[1] != o[2] or o[3] != o[4]]
