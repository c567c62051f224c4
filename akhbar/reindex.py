"""Rebuild the search index from the WARC files alone: the archive is the system of record.

Each response record is classified with the source profile (the bundled one when it still covers
the URL, else the one recorded in the WARC's warcinfo), extracted with the same ``article_from_capture``
the crawl uses, and upserted; files are read oldest first so the newest capture of a URL wins.

Two passes: the first counts every article page not yet counted into its site's learned
boilerplate (nothing to do when the crawls' state is there; everything when only WARCs survive), the
second extracts with what was learned from the whole archive — so the first pages of a site are as
clean as the last, which a crawl, learning as it goes, cannot promise. Then what became of each page
(gone, redirected…) is recorded from every archived answer (``akhbar.history.archive_liveness``).

Both passes parse in the crawl's extraction workers (``pipelines.workers``: one per core unless
``workers`` says otherwise), a bounded window of captures in flight, so a large archive is rebuilt on
every core in flat memory; the records are the ones in-process extraction gives, in archive order.

Hostile or damaged input at rest never stops a rebuild: a payload that inflates past the crawl's
size limit (the crawl refused it, so reindex must not index it either) is counted ``too_large``, a
damaged or cut-short record ``damaged``, each with one warning, and the rest is rebuilt.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator

from akhbar.history import archive_liveness
from akhbar.sources import all_profiles
from core.archive import ArchivedResponse, iter_responses
from core.config import DataDir
from core.record import Article
from crawler.profiles import ProfileError, SourceProfile, profile_for_url, profile_from_dict
from index.backends import BackendConfig, open_backend
from pipelines.boilerplate_learning import BoilerplateStore
from pipelines.capture import NotAnArticle, learned_article
from pipelines.page import ParsedPage
from pipelines.workers import ExtractionPool, Job, WorkerFailed, default_workers

logger = logging.getLogger(__name__)

def _profile(resp, bundled: dict[str, SourceProfile], recorded: dict[str, SourceProfile]) -> SourceProfile | None:
    current = bundled.get(resp.source)
    if current and current.is_allowed(resp.url):
        return current
    if resp.profile and resp.source:
        if resp.source not in recorded:
            try:
                recorded[resp.source] = profile_from_dict(resp.profile, f"warcinfo of {resp.pointer['file']}")
            except ProfileError as exc:
                logger.warning("%s", exc)
                recorded[resp.source] = None  # type: ignore[assignment]
        if recorded.get(resp.source) and recorded[resp.source].is_allowed(resp.url):
            return recorded[resp.source]
    return profile_for_url(resp.url, bundled)


def _article_captures(data: DataDir, counts: Counter | None = None) -> Iterator[tuple[ArchivedResponse, SourceProfile]]:
    """Every archived 200 response that its source profile calls an article (whether it is HTML is
    ``article_from_capture``'s to say). With ``counts``
    (pass two), unreadable records are counted by kind and logged once each; pass one skips them
    quietly, so a damaged record is reported once per reindex, not once per pass."""
    bundled = all_profiles()
    recorded: dict[str, SourceProfile] = {}

    def skipped(kind: str, message: str) -> None:
        if counts is not None:
            counts[kind] += 1
            logger.warning("skipped a %s record: %s", kind, message)

    for resp in iter_responses(data, skipped=skipped):
        if counts is not None:
            counts["responses"] += 1
        profile = _profile(resp, bundled, recorded)
        if resp.status != 200 or profile is None or not profile.is_article(resp.url):
            continue
        yield resp, profile


def learn_boilerplate(data: DataDir, learned: BoilerplateStore, pool: ExtractionPool | None = None,
                      counts: Counter | None = None) -> int:
    """Pass one: count pages the learned boilerplate has not seen yet; returns how many. Every
    article capture is counted in ``counts["captures"]`` (pass two's progress total)."""
    pool = pool or ExtractionPool(0)
    added = 0

    def unseen() -> Iterator[Job]:
        for resp, profile in _article_captures(data):
            if counts is not None:
                counts["captures"] += 1
            if not learned.get(profile.id).has_seen(resp.url):
                yield Job(resp.body, resp.url, profile, resp.content_type, resp.fetched, context=profile)

    for job, parsed in pool.parse_many(unseen()):
        if isinstance(parsed, Exception):
            continue  # pass two reports extraction failures
        added += learned.get(job.context.id).observe(parsed.url, parsed.lines)  # a URL archived twice: once
    return added


Progress = Callable[[int, int], None]  # (captures done, captures in all)


def reindex(data: DataDir, backend_name: str | None = None, batch_size: int = 200, *,
            workers: int | None = None, progress: Progress | None = None) -> Counter:
    """Rebuild the index from ``data.warc``; returns counts by outcome. ``workers``: extraction
    processes (default one per core; 0 parses in this process); ``progress`` is called as captures
    are done."""
    counts: Counter = Counter()
    pool = ExtractionPool.shared(default_workers() if workers is None else workers)
    try:
        return _reindex(data, backend_name, batch_size, pool, progress, counts)
    finally:
        pool.close()


def _reindex(data: DataDir, backend_name: str | None, batch_size: int, pool: ExtractionPool,
             progress: Progress | None, counts: Counter) -> Counter:
    learned = BoilerplateStore(data.boilerplate)  # site boilerplate learned by the crawls
    counts["pages_learned"] = learn_boilerplate(data, learned, pool, counts)
    total = counts.pop("captures", 0)
    config = BackendConfig.from_settings(os.environ)  # the CLI's configuration is the environment
    backend = open_backend(backend_name or config.name, data, es=config.es)
    # Elasticsearch: build a new versioned index while searches keep reading the old one, then swap
    # the alias atomically (zero downtime). The embedded index is emptied and refilled.
    rebuilding = False
    try:
        backend.begin_rebuild()
        rebuilding = True
        batch: list[Article] = []
        jobs = (Job(resp.body, resp.url, profile, resp.content_type, resp.fetched, context=resp.pointer,
                    learned=learned.get(profile.id).snapshot())
                for resp, profile in _article_captures(data, counts))
        for done, (job, parsed) in enumerate(pool.parse_many(jobs), start=1):
            article = _article(job, parsed, learned, counts)
            if article is not None:
                batch.append(article)
            if len(batch) >= batch_size:
                _flush(backend, pool.terms_many(batch), counts)
                batch = []
            if progress is not None:
                progress(done, max(total, done))
        _flush(backend, pool.terms_many(batch), counts)
        # What became of each page, from every answer archived (404s, redirects…), as check-live records it.
        counts["liveness_recorded"] = backend.set_liveness(archive_liveness(data))
        backend.finish_rebuild()
        rebuilding = False
        learned.save()
    except BaseException:
        if rebuilding:  # Elasticsearch: searches never left the old index; send writes back to it too
            logger.error("reindex failed; rebuild abandoned")
            backend.abort_rebuild()
        raise
    finally:
        backend.close()
    return counts


def _article(job: Job, parsed: ParsedPage | Exception, learned: BoilerplateStore, counts: Counter) -> Article | None:
    """The record of one parsed capture, or None with the reason counted (and logged)."""
    try:
        if isinstance(parsed, Exception):
            raise parsed
        article = learned_article(parsed, learned.get(job.profile.id))
    except NotAnArticle as exc:
        if exc.reason in ("non_html", "binary"):  # archived as served; nothing to say about it
            counts["non_html"] += 1
            return None
        counts["no_article_text"] += 1
        logger.warning("%s", exc)
        return None
    except WorkerFailed as exc:
        counts["extract_worker"] += 1
        logger.warning("%s (run reindex again to retry it)", exc)
        return None
    except Exception:
        counts["extract_failed"] += 1
        logger.exception("extraction failed for %s", job.url)
        return None
    article["warc"] = job.context
    return article


def _flush(backend, batch: list[Article], counts: Counter) -> None:
    if not batch:
        return
    result = backend.upsert(batch)
    counts["indexed"] += result.indexed
    counts["updated"] += result.updated
    counts["unchanged"] += result.unchanged
    counts["index_failed"] += len(result.failed)
