"""Site boilerplate learned from the crawl itself: a line that turns up in the extracted text of many
pages of one site is template, not story.

Rules and profile phrases catch the labels we know of; every site also has its own («تابعوا آخر الأخبار
عبر تطبيق التلغرام ...», a footer line, a newsletter box) that slips past the extractor on every page.
Those lines are the same on every page, while a story's sentences are not, so counting in how many
distinct pages each line appears finds them without any per-site configuration.

A line counts once per page (URL), and only lines that survived the rule-based cleanup are counted,
so the store holds exactly what the rules miss. A line is boilerplate once it has been seen on at least
``min_pages`` pages *and* on at least ``min_share`` of the pages seen: the first keeps a small crawl
from learning coincidences, the second keeps a large one from learning a background paragraph that a
series of stories happens to repeat. What was learned is kept per source under
``state/boilerplate/<source>.json`` and used by later crawls and by ``akhbar reindex``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.arabic import fold_digits
from pipelines.cleanup import squash

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"[0-9]+")  # after fold_digits, so Eastern and Persian numbers too
FORMAT = 1


def fingerprint(line: str) -> str:
    """The comparable form of a line: tashkeel and spacing folded, and every number replaced, so a
    view counter («عدد القراءات: 2311») or a year in a copyright line matches across pages."""
    return _NUMBER.sub("0", fold_digits(squash(line)))


def _page_key(url: str) -> str:
    return hashlib.blake2b(url.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True)
class LearnedLines:
    """What a site's learned boilerplate drops, at one moment: small and plain, so it travels with a
    page to an extraction worker, which then computes the index terms of the text as the crawl
    process will finish it (else, on a site with learned lines, nearly every page's terms would be
    computed twice). Where the site learned more meanwhile, the terms' key shows the difference
    and they are computed again."""

    fingerprints: frozenset[str]

    def is_boilerplate(self, line: str) -> bool:
        return fingerprint(line) in self.fingerprints


class SiteBoilerplate:
    """Line counts for one source; ``is_boilerplate`` answers from what has been observed so far."""

    def __init__(self, source: str, *, min_pages: int = 3, min_share: float = 0.1, max_line: int = 300,
                 max_entries: int = 20000) -> None:
        self.source = source
        self.min_pages = min_pages
        self.min_share = min_share
        self.max_line = max_line
        self.max_entries = max_entries
        self.pages = 0
        self.counts: dict[str, int] = {}
        self.seen: set[str] = set()
        self.dirty = False
        # lines seen on min_pages pages or more: the only ones that can be boilerplate (few, where
        # counts holds every line), so what is dropped now is found without going through counts
        self._candidates: set[str] = set()
        self._snapshot: tuple[int, int, LearnedLines] | None = None  # (pages, candidates, lines) when made

    # -- learning ------------------------------------------------------------------------------------
    def has_seen(self, url: str) -> bool:
        return _page_key(url) in self.seen

    def observe(self, url: str, lines: Iterable[str]) -> bool:
        """Count the lines of one page; a URL already observed is not counted again (re-fetches,
        reindexing), so counts stay per page. Returns whether the page was new."""
        key = _page_key(url)
        if key in self.seen:
            return False
        self.seen.add(key)
        self.pages += 1
        for fp in {fingerprint(line) for line in lines if line and len(line) <= self.max_line}:
            if fp:
                n = self.counts[fp] = self.counts.get(fp, 0) + 1
                if n == self.min_pages:
                    self._candidates.add(fp)
        if len(self.counts) > self.max_entries:
            self._prune()
        self.dirty = True
        return True

    def _prune(self) -> None:
        """Drop lines seen once: on a big site they are the story sentences, which never return."""
        self.counts = {fp: n for fp, n in self.counts.items() if n > 1}
        if len(self.counts) > self.max_entries:  # still too many: keep the most frequent
            keep = sorted(self.counts.items(), key=lambda kv: kv[1], reverse=True)[: self.max_entries // 2]
            self.counts = dict(keep)
        self._candidates &= self.counts.keys()

    # -- applying ------------------------------------------------------------------------------------
    @property
    def threshold(self) -> int:
        return max(self.min_pages, int(self.min_share * self.pages + 0.999))

    def is_boilerplate(self, line: str) -> bool:
        return self.counts.get(fingerprint(line), 0) >= self.threshold

    def snapshot(self) -> LearnedLines:
        """What is dropped now (:class:`LearnedLines`): made again only when a page or a candidate
        line was added since the last one, from the candidates alone."""
        if self._snapshot is None or self._snapshot[:2] != (self.pages, len(self._candidates)):
            limit = self.threshold
            lines = frozenset(fp for fp in self._candidates if self.counts[fp] >= limit)
            self._snapshot = (self.pages, len(self._candidates), LearnedLines(lines))
        return self._snapshot[2]

    def learned(self) -> list[str]:
        """The lines currently treated as boilerplate (fingerprints), most frequent first."""
        limit = self.threshold
        return [fp for fp, n in sorted(self.counts.items(), key=lambda kv: -kv[1]) if n >= limit]

    # -- persistence ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": FORMAT, "source": self.source, "pages": self.pages, "learned": self.learned(),
                "counts": self.counts, "seen": sorted(self.seen)}

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> SiteBoilerplate:
        site = cls(source or data.get("source", ""))
        if data.get("format") != FORMAT:
            logger.warning("boilerplate state for %s has format %r, starting afresh", site.source, data.get("format"))
            return site
        site.pages = int(data.get("pages", 0))
        site.counts = {str(k): int(v) for k, v in data.get("counts", {}).items()}
        site.seen = set(data.get("seen", []))
        site._candidates = {fp for fp, n in site.counts.items() if n >= site.min_pages}
        return site


class BoilerplateStore:
    """``SiteBoilerplate`` per source, loaded lazily from ``directory`` and written back by ``save``.

    One JSON file per source, replaced atomically, so a killed crawl leaves either the old or the new
    state and never half a file. A missing or unreadable file means nothing learned yet.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.sites: dict[str, SiteBoilerplate] = {}

    def path(self, source: str) -> Path:
        return self.directory / f"{source}.json"

    def get(self, source: str) -> SiteBoilerplate:
        site = self.sites.get(source)
        if site is None:
            site = SiteBoilerplate(source)
            path = self.path(source)
            if path.exists():
                try:
                    site = SiteBoilerplate.from_dict(json.loads(path.read_text(encoding="utf-8")), source)
                except (OSError, ValueError, TypeError, AttributeError) as exc:
                    logger.warning("ignoring unreadable boilerplate state %s: %s", path, exc)
            self.sites[source] = site
        return site

    def save(self) -> None:
        """Write every source that changed since it was loaded."""
        for source, site in self.sites.items():
            if not site.dirty:
                continue
            self.directory.mkdir(parents=True, exist_ok=True)
            text = json.dumps(site.to_dict(), ensure_ascii=False, indent=0)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{source}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, self.path(source))
            except OSError:
                Path(tmp).unlink(missing_ok=True)
                raise
            site.dirty = False
