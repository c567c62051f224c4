"""Extraction in worker processes: the same records as in the crawl process, and a worker that dies
or hangs on a page costs that page (counted, left for catch-up), never the crawl."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from akhbar.evaluate import load_gold
from pipelines.capture import article_from_capture, learned_article, parsed_capture
from pipelines.page import NotAnArticle
from pipelines.workers import ExtractionPool, Job, WorkerFailed

GOLD = Path(__file__).resolve().parents[1] / "goldset" / "pages"
CRASH, HANG = b"<!-- crash this worker -->", b"<!-- hang this worker -->"


def _misbehave(body, url, profile, *, content_type, fetched):
    """A worker target that dies or hangs on marked pages (module level: workers import it)."""
    if CRASH in body:
        os._exit(1)
    if HANG in body:
        time.sleep(60)
    return parsed_capture(body, url, profile, content_type=content_type, fetched=fetched)


def _records(pool: ExtractionPool, pages) -> list:
    async def run() -> list:
        parsed = await asyncio.gather(*(pool.parse(p.body, p.url, p.profile, content_type=p.content_type or None,
                                                   fetched=p.fetched) for p in pages))
        return [learned_article(page, None) for page in parsed]
    try:
        return asyncio.run(run())
    finally:
        pool.close()


def _parse(pool: ExtractionPool, page, **kwargs):
    """One gold page parsed in ``pool``."""
    return asyncio.run(pool.parse(page.body, page.url, page.profile, content_type=page.content_type or None,
                                  fetched=page.fetched, **kwargs))


def _site_that_learned(line: str):
    """A site with ``line`` on every page it has seen: learned as its boilerplate."""
    from pipelines.boilerplate_learning import SiteBoilerplate

    learned = SiteBoilerplate("site")
    for n in range(learned.min_pages + 1):
        learned.observe(f"https://site.example/{n}", [line])
    return learned


def test_workers_give_the_records_in_process_extraction_gives():
    pages = load_gold(GOLD)
    expected = [article_from_capture(p.body, p.url, p.profile, content_type=p.content_type or None,
                                     fetched=p.fetched) for p in pages]
    assert _records(ExtractionPool(2), pages) == expected
    assert _records(ExtractionPool(0), pages) == expected


def test_a_refusal_in_a_worker_arrives_with_its_reason():
    pool = ExtractionPool(1)
    try:
        with pytest.raises(NotAnArticle) as caught:
            asyncio.run(pool.parse(b"\x89PNG\r\n\x1a\n" + bytes(100), "https://x.example/a.png", None,
                                   content_type="text/html", fetched=None))
        assert caught.value.reason == "binary"
    finally:
        pool.close()


@pytest.mark.parametrize("marker", [CRASH, HANG])
def test_a_worker_that_dies_or_hangs_costs_its_page_only(marker):
    page = load_gold(GOLD)[0]
    # 8 s: the fresh worker that follows must fork and parse within it on a loaded 2-core machine
    pool = ExtractionPool(1, timeout=8.0, target=_misbehave)

    async def run():
        with pytest.raises(WorkerFailed):
            await pool.parse(page.body + marker, page.url, page.profile, content_type=page.content_type or None,
                             fetched=page.fetched)
        # the next page gets a fresh worker and comes out as it should
        return await pool.parse(page.body, page.url, page.profile, content_type=page.content_type or None,
                                fetched=page.fetched)

    started = time.monotonic()
    try:
        parsed = asyncio.run(run())
    finally:
        pool.close()
    assert learned_article(parsed, None)["title"] == page.expected["title"]
    assert time.monotonic() - started < 30, "a hung worker is stopped at the timeout, not waited for"


def test_pages_queued_behind_a_hung_worker_fail_as_worker_failures_not_cancellations():
    """A hung worker takes its pool down at the timeout; pages still queued in that pool are
    cancelled with it, and must come out as WorkerFailed (counted, caught up later), not as a
    CancelledError that would tear through the crawl's item processing."""
    page = load_gold(GOLD)[0]
    # 8 s: long enough for the fresh pool that follows to fork and warm its worker on a loaded
    # 2-core machine (the whole suite running, other work beside it), short enough to keep the test quick
    pool = ExtractionPool(1, timeout=8.0, target=_misbehave)

    async def parse(body: bytes, delay: float = 0.0):
        await asyncio.sleep(delay)
        return await pool.parse(body, page.url, page.profile, content_type=page.content_type or None,
                                fetched=page.fetched)

    async def run():
        results = await asyncio.gather(parse(page.body + HANG), parse(page.body, 1.0), return_exceptions=True)
        return results, await parse(page.body)

    try:
        (hung, queued), after = asyncio.run(run())
    finally:
        pool.close()
    assert isinstance(hung, WorkerFailed) and "took over" in str(hung)
    assert isinstance(queued, WorkerFailed)  # broken or cancelled with the pool, depending on timing
    assert learned_article(after, None)["title"] == page.expected["title"]


def test_one_shared_pool_serves_every_crawl_of_a_process():
    first = ExtractionPool.shared(1)
    second = ExtractionPool.shared(1)
    try:
        assert first is second and first._users == 2
        first.close()
        assert first._pool is not None, "still used by the second crawl"
        page = load_gold(GOLD)[0]
        parsed = asyncio.run(second.parse(page.body, page.url, page.profile, content_type=page.content_type or None,
                                          fetched=page.fetched))
        assert parsed.terms is not None, "the worker computed the index terms too"
    finally:
        second.close()
    assert second._pool is None
    third = ExtractionPool.shared(1)
    assert third is not second
    third.close()


def test_parse_many_keeps_order_and_fails_only_the_page_that_kills_its_worker():
    """The batch form (reindex, catch-up): results in input order with a small window in flight; a
    page whose worker dies is handed back as WorkerFailed, and the pages that were in flight with it
    are tried again and come out as in-process extraction gives them."""
    from pipelines.workers import Job

    pages = load_gold(GOLD)[:8]
    jobs = [Job(p.body + (CRASH if n == 3 else b""), p.url, p.profile, p.content_type or None, p.fetched, context=n)
            for n, p in enumerate(pages)]
    pool = ExtractionPool(2, target=_misbehave)
    try:
        results = list(pool.parse_many(jobs, window=3))
    finally:
        pool.close()
    assert [job.context for job, _ in results] == list(range(8))
    assert isinstance(results[3][1], WorkerFailed)
    expected = [article_from_capture(p.body, p.url, p.profile, content_type=p.content_type or None,
                                     fetched=p.fetched) for p in pages]
    got = [learned_article(parsed, None) for _, parsed in results[:3] + results[4:]]
    assert got == expected[:3] + expected[4:]


def test_a_record_shortened_by_learned_boilerplate_gets_its_terms_from_a_worker():
    """The worker's terms are of the text before the crawl's learned boilerplate dropped a line;
    ``ExtractionPool.terms`` makes them again in a worker, the very terms (and story sketch) the
    index would otherwise compute in the crawl process."""
    from index.fields import compute_terms, precomputed_terms
    from index.stories import sketch_of_stems

    page = max(load_gold(GOLD), key=lambda p: len(p.body))
    pool = ExtractionPool(1)
    try:
        parsed = _parse(pool, page)
        learned = _site_that_learned(parsed.lines[-1])  # the page's last line on every page of the site
        shortened = learned_article(parsed, learned)
        assert precomputed_terms(shortened) is None, "the worker's terms no longer fit"
        again = asyncio.run(pool.terms(shortened))
    finally:
        pool.close()
    assert again == shortened
    terms = precomputed_terms(again)
    assert terms is not None
    expected = compute_terms(shortened)
    assert terms.body == expected.body and terms.title_root == expected.title_root
    assert terms.sketch == sketch_of_stems(expected.body.split()).encode()


def test_reindex_batches_get_the_shortened_records_terms_from_the_workers():
    from index.fields import compute_terms, precomputed_terms

    gold = load_gold(GOLD)
    pages = [max(gold, key=lambda p: len(p.body)), *gold[:3]]
    pool = ExtractionPool(2)
    try:
        parsed = [p for _, p in pool.parse_many(
            [Job(p.body, p.url, p.profile, p.content_type or None, p.fetched) for p in pages])]
        learned = _site_that_learned(parsed[0].lines[-1])  # the first page's last line, learned as the site's
        batch = [learned_article(p, learned) for p in parsed]
        assert precomputed_terms(batch[0]) is None and all(precomputed_terms(a) for a in batch[1:])
        out = pool.terms_many(batch)
    finally:
        pool.close()
    assert out == batch and out[1:] == batch[1:]
    assert all(precomputed_terms(a) is not None for a in out)
    assert precomputed_terms(out[0]).body == compute_terms(batch[0]).body


def test_a_page_sent_with_the_sites_learned_lines_comes_back_with_terms_that_fit():
    """The learned boilerplate travels with the page (``SiteBoilerplate.snapshot``): the worker's
    terms are of the text the crawl process finishes, so nothing is analyzed twice — the same record
    and the same terms as when the crawl process drops the line and the terms are made again."""
    from index.fields import compute_terms, precomputed_terms

    page = max(load_gold(GOLD), key=lambda p: len(p.body))
    pool = ExtractionPool(1)
    try:
        plain = _parse(pool, page)
        learned = _site_that_learned(plain.lines[-1])  # the page's last line on every page of the site
        sent = _parse(pool, page, learned=learned.snapshot())
    finally:
        pool.close()
    assert precomputed_terms(learned_article(plain, learned)) is None, "without it the terms do not fit"
    finished = learned_article(sent, learned)
    assert plain.lines[-1] not in finished["text"] and finished == learned_article(plain, learned)
    terms = precomputed_terms(finished)
    assert terms is not None, "the worker's terms fit the finished text"
    assert terms.body == compute_terms(finished).body


def test_a_snapshot_of_learned_lines_says_what_the_site_drops_now():
    """The snapshot answers as the site does after every page it learns from, including when the
    threshold grows past a line (min_share of the pages seen), and after a reload from disk."""
    import random

    from pipelines.boilerplate_learning import SiteBoilerplate

    site = SiteBoilerplate("site")
    rng = random.Random(7)
    lines = [f"سطر القالب {chr(0x0627 + k)}" for k in range(12)]
    for n in range(60):
        # half the lines only on the first pages: learned, then below the threshold as the site grows
        pool = lines if n < 5 else lines[:6]
        site.observe(f"https://site.example/{n}", rng.sample(pool, rng.randint(1, 4)))
        shot = site.snapshot()
        assert [shot.is_boilerplate(ln) for ln in lines] == [site.is_boilerplate(ln) for ln in lines], n
    assert any(site.is_boilerplate(ln) for ln in lines) and not all(site.is_boilerplate(ln) for ln in lines)
    again = SiteBoilerplate.from_dict(site.to_dict())
    assert again.snapshot() == site.snapshot()
