"""The soak test in its short form: real crawls killed with SIGKILL and an index outage, then the
invariants users rely on. The long form is `python -m bench.soak` (numbers in the README)."""

from __future__ import annotations

import pytest

from bench.soak import run

pytestmark = pytest.mark.slow


def test_short_soak_keeps_every_article_exactly_once():
    result = run(rounds=3, kill_every=2, outage_every=3, seed=11)
    print(result.table())
    assert result.kills == 1 and result.outages == 1
    assert result.expected > 30
    assert result.archived == result.expected, "every article is in the WARC files"
    assert result.indexed == result.expected, "every article is in the index"
    assert result.duplicates == 0
    assert result.warc_valid


def test_short_soak_with_the_search_engine_stopped_mid_crawl(monkeypatch):
    """The same invariants when the index is a real Elasticsearch that is stopped for a round and
    started again (the articles wait in the spool meanwhile)."""
    import os

    if not os.environ.get("AKHBAR_ES_URL"):
        if os.environ.get("CI"):
            pytest.fail("AKHBAR_ES_URL is not set in CI: .ci/run must start the search engine")
        pytest.skip("LOUD SKIP: no search engine (run scripts/search-engine start, export AKHBAR_ES_URL)")
    monkeypatch.setenv("AKHBAR_BACKEND", "elasticsearch")
    result = run(rounds=2, kill_every=0, outage_every=1, seed=5)
    print(result.table())
    assert result.outages == 2
    assert result.archived == result.expected == result.indexed
    assert result.duplicates == 0 and result.warc_valid
