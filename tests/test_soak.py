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
