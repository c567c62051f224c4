"""Every version of an article: a capture whose headline or text differs from the version before.

News is edited quietly; an archive should say when and how much. Each indexed record carries
``versions``, oldest first: the capture's time, its headline, its content hash, how many words it
added and removed against the version before, and where its capture is in the archive. 304s,
identical payloads and unchanged text are not versions (their content hash is the one before).
Both backends build the list the same way, at upsert, from what they stored and what arrives, so
``akhbar reindex`` — which upserts every archived capture oldest first — rebuilds it from the WARCs
alone. The texts of old versions are not stored: their WARC records are (``warc``).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from core.record import Article
from index.analysis import TOKEN_PATTERN

_WORDS = re.compile(TOKEN_PATTERN)
Version = dict[str, Any]  # timestamp, title, content_hash, added, removed, warc


def words(article: Article) -> list[str]:
    """The headline's and the text's words as written (tashkeel included: an edit that adds a
    vowel mark is an edit)."""
    return _WORDS.findall(f"{article.get('title') or ''}\n{article.get('text') or ''}")


def word_changes(before: list[str], after: list[str]) -> tuple[int, int]:
    """(words added, words removed) from ``before`` to ``after``, by a word-level diff. A first
    version (nothing before) adds every word: no diff to run (``SequenceMatcher`` would still
    index the whole text, a cost every new article paid at upsert)."""
    if not before or not after:
        return len(after), len(before)
    added = removed = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            added += j2 - j1
        if tag in ("delete", "replace"):
            removed += i2 - i1
    return added, removed


def _entry(article: Article, digest: str, before: list[str], after: list[str]) -> Version:
    added, removed = word_changes(before, after)
    return {"timestamp": article.get("fetched") or "", "title": article.get("title") or "", "content_hash": digest,
            "added": added, "removed": removed, "warc": dict(article.get("warc") or {})}


def versions_after(stored: Article | None, arriving: list[tuple[Article, str]]) -> list[Version]:
    """The version list once ``arriving`` (records with their content hashes, oldest first) follow
    ``stored`` (the record the index holds, or None). A stored record from before versions were
    kept counts as the first version known."""
    history: list[Version] = [dict(v) for v in (stored or {}).get("versions") or []]
    previous = words(stored) if stored else []
    if stored and not history:
        history.append(_entry(stored, stored.get("content_hash") or "", [], previous))
    for article, digest in arriving:
        if history and history[-1]["content_hash"] == digest:
            continue
        current = words(article)
        history.append(_entry(article, digest, previous, current))
        previous = current
    return history
