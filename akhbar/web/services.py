"""What the pages and the JSON API share: the data directory, the search backend and the profiles.

The backend is opened on first use, not at start-up, so ``akhbar serve`` comes up even before the
first crawl has created an index, and it is shared by all request threads (the embedded backend
serializes on its own lock). Search parameters are parsed once here so the HTML search page and
``/api/search`` cannot drift apart.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from akhbar.health import HealthReport, HealthSettings, source_health
from akhbar.history import NoSuchVersion, diff, history, word_diff
from akhbar.paging import MAX_PAGE, MAX_PER_PAGE, PER_PAGE
from akhbar.sources import all_profiles
from akhbar.web.render import month_range
from akhbar.web.replay import check_url, replay_slot
from core.archive import UnreadableRecord
from core.config import DataDir
from core.record import Article
from index.backends import BackendConfig, open_backend
from index.base import SearchBackend, SearchPage, SearchQuery
from index.liveness import STATUSES
from index.story_search import describe, search_stories
from index.versions import Version

logger = logging.getLogger(__name__)

SORTS = ("relevance", "date")
FACETS = ("source", "section", "agency", "original_source", "month", "status")


@dataclass
class SearchParams:
    """The search as the user gave it (what the links on the page carry forward)."""

    q: str = ""
    source: str = ""
    section: str = ""
    agency: str = ""
    month: str = ""
    since: str = ""
    until: str = ""
    status: str = ""
    original_source: str = ""
    copies: str = ""  # "all": every copy of a story as its own result (else one result per story)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    def query(self) -> SearchQuery:
        since, until = self.since, self.until
        bounds = month_range(self.month)
        if bounds:
            since, until = bounds
        return SearchQuery(text=self.q[:500], sources=[self.source] if self.source else [], section=self.section,
                           agency=self.agency, since=since, until=until,
                           status=self.status if self.status in STATUSES else "", collapse=self.copies != "all",
                           original_source=self.original_source,
                           sort=self.sort if self.sort in SORTS else "relevance",
                           page=min(max(1, self.page), MAX_PAGE), per_page=min(max(1, self.per_page), MAX_PER_PAGE))

    def link_params(self) -> dict[str, Any]:
        return {"q": self.q, "source": self.source, "section": self.section, "agency": self.agency,
                "month": self.month, "since": self.since, "until": self.until, "status": self.status,
                "original_source": self.original_source, "copies": self.copies,
                "sort": "" if self.sort == "relevance" else self.sort}


@dataclass
class Results:
    page: SearchPage
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class Services:
    def __init__(self, data: DataDir, backend_name: str | None = None) -> None:
        self.data = data
        self.backend_name = backend_name
        self._backend: SearchBackend | None = None
        self._lock = threading.Lock()
        self.source_names = _source_names()

    @property
    def backend(self) -> SearchBackend:
        with self._lock:
            if self._backend is None:
                # Read when first needed, like the backend itself: the app's configuration is the environment.
                config = BackendConfig.from_settings(os.environ)
                self._backend = open_backend(self.backend_name or config.name, self.data, lock_timeout=5.0,
                                             es=config.es)
            return self._backend

    def search(self, params: SearchParams, with_facets: bool = True) -> Results:
        """Raises ValueError (or OverflowError) for since/until dates that cannot be parsed or lie
        past the calendar's ends (callers answer 400), SearchUnavailable when the index cannot be
        read (503)."""
        query = params.query()
        with _index_errors():
            page = search_stories(self.backend, query)
            facets = self.backend.facets(query) if with_facets else {}
        return Results(page, facets)

    def export(self, params: SearchParams) -> Iterator[Article]:
        """Every article the search matches, every copy (``SearchBackend.scan``), for the download
        links. ValueError now for a bad date (400), SearchUnavailable when the index cannot be read
        — before the first row; later, the download is cut short and the failure logged."""
        with _index_errors():
            rows = self.backend.scan(params.query())
        return _logged(rows)

    def article(self, url: str) -> Article | None:
        """The stored article by canonical URL or URL; SearchUnavailable when the index cannot be read."""
        with _index_errors():
            return self.backend.get(url)

    def history(self, url: str) -> tuple[Article | None, dict[str, Any]]:
        """The stored article (or None) and its history in ``akhbar.history``'s shape: the versions
        the index keeps, the standing read from the archive. BadRequest for a URL that cannot name
        a capture, SearchUnavailable as ``article``."""
        url = check_url(url)
        article = self.article(url)
        return article, history(url, self.data, article)

    def story(self, story_id: str) -> dict[str, Any] | None:
        """``index.story_search.describe`` of a story, or None when no article has that id."""
        members = self._members(story_id)
        return describe(story_id, members) if members else None

    def story_diff(self, story_id: str, url: str) -> tuple[dict[str, Any], Article, Article, list[tuple[str, str]]]:
        """The story, its origin, the copy at ``url`` and the word diff from the origin to it (from
        the stored texts). LookupError when the story or the copy is not there."""
        members = self._members(story_id)
        copy = next((m for m in members if url in (m.get("url"), m.get("canonical_url"))), None)
        if copy is None:
            raise LookupError(f"{url} is not an article of story {story_id}")
        origin = members[0]
        runs = word_diff(f"{origin.get('title') or ''}\n{origin.get('text') or ''}",
                         f"{copy.get('title') or ''}\n{copy.get('text') or ''}")
        return describe(story_id, members), origin, copy, runs

    def _members(self, story_id: str) -> list[Article]:
        """A story's articles, earliest first (at most 200); SearchUnavailable as ``article``."""
        with _index_errors():
            return self.backend.members([story_id[:100]], limit=200).get(story_id[:100], [])

    def compare(self, url: str, a: int, b: int) -> Comparison:
        """Versions ``a`` and ``b`` of an article (``akhbar.history.pick`` numbers) and the word diff
        between them, extracted again from the archive in one of the replay's slots. Raises what
        ``history`` raises, NoSuchVersion, or VersionUnreadable (a damaged or cut-short record)."""
        article, shape = self.history(url)
        try:
            with replay_slot():
                first, second, runs = diff(self.data, shape, a, b)
        except NoSuchVersion:
            raise
        except (OSError, UnreadableRecord, ValueError) as exc:
            raise VersionUnreadable(f"a version's WARC record cannot be read: {exc}") from exc
        return Comparison(article, shape, first, second, runs)

    def health(self) -> HealthReport:
        """``akhbar.health`` over this data directory (the thresholds from the environment, read
        now like the backend's settings): HealthSettingsError for a bad one, SearchUnavailable as
        ``article``."""
        settings = HealthSettings.from_env()
        with _index_errors():
            return source_health(self.data, self.backend, all_profiles(), settings)

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None


@dataclass
class Comparison:
    article: Article | None
    history: dict[str, Any]
    a: Version
    b: Version
    runs: list[tuple[str, str]]  # ("=" | "-" | "+", text), in reading order


class VersionUnreadable(RuntimeError):
    """A version's WARC record is damaged or cut short (a 410)."""


class SearchUnavailable(RuntimeError):
    """The search index cannot be opened or read (damaged file, engine down): a 503, logged."""


@contextmanager
def _index_errors() -> Iterator[None]:
    """Anything the backend raises but a bad query (ValueError, OverflowError) means the index
    itself failed — a damaged index.sqlite, a stopped engine: logged with its traceback once, and
    answered as SearchUnavailable with the reason instead of a bare 500."""
    try:
        yield
    except (ValueError, OverflowError):
        raise
    except Exception as exc:  # each backend has its own error types; all mean "index down"
        logger.exception("search index unavailable")
        raise SearchUnavailable(f"the search index cannot be read ({type(exc).__name__}: {exc})") from exc


def _logged(rows: Iterator[Article]) -> Iterator[Article]:
    with _index_errors():
        yield from rows


def _source_names() -> dict[str, str]:
    """Profile id → Arabic name, for facet labels; a broken profile directory only costs the labels."""
    try:
        return {pid: p.name_ar for pid, p in all_profiles().items()}
    except Exception:  # noqa: BLE001 - labels are cosmetic; ids are shown instead
        return {}
