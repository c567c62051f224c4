"""``EmbeddedBackend.facets`` beyond the shared contract.

The backend-agnostic facet tests (counts, filters, order, limits, empty values) are in
``tests/backend_contract.py`` and run against every backend; here is what ties the embedded
backend to the web app: the month links the web builds with ``akhbar.web.render.month_range``.
"""

from __future__ import annotations

import pytest

from akhbar.web.render import month_range
from index.base import SearchQuery
from index.embedded import EmbeddedBackend
from tests.backend_contract import facet_art, month_bounds, narrowed


@pytest.fixture
def backend(tmp_path):
    b = EmbeddedBackend(tmp_path / "index.sqlite")
    b.upsert([
        facet_art(1, "a", "سياسة", ["رويترز", "أ ف ب"], "2017-06-10T12:00:00+03:00", "مفاوضات الرقة"),
        facet_art(2, "a", "اقتصاد", ["رويترز"], "2017-06-30T23:30:00-02:00", "مفاوضات النفط"),  # July in UTC
        facet_art(3, "b", "سياسة", [], "2017-05-01T10:00:00+00:00", "مفاوضات جنيف"),
        facet_art(4, "b", "", ["سانا"], None, "مباراة كرة القدم"),
    ])
    yield b
    b.close()


def test_facets_follow_filters_and_match_search_totals(backend):
    """The web's own click path: month values become since/until through ``month_range``."""
    query = SearchQuery(text="مفاوضات", sources=["a"])
    f = backend.facets(query)
    assert f["source"] == [("a", 2)] and ("سياسة", 1) in f["section"]
    for name, values in f.items():
        for value, count in values:
            if name == "month":
                q = narrowed(query, "source", "a")
                q.since, q.until = month_range(value)
                assert (q.since, q.until) == month_bounds(value)
            else:
                q = narrowed(query, name, value)
            assert backend.search(q).total == count, (name, value)
