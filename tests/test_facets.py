"""``EmbeddedBackend.facets``: counts per source, section, agency and UTC month over what a query
matches, filters included, so that each count equals the total a click on it returns."""

from __future__ import annotations

import pytest

from akhbar.web.render import month_range
from index.base import SearchQuery
from index.embedded import EmbeddedBackend


def _art(n: int, source: str, section: str, agencies: list[str], published: str | None, text: str) -> dict:
    return {"url": f"http://example.com/{n}", "source": source, "section": section, "agencies": agencies,
            "published": published, "title": f"خبر {n}", "text": text}


@pytest.fixture
def backend(tmp_path):
    b = EmbeddedBackend(tmp_path / "index.sqlite")
    b.upsert([
        _art(1, "a", "سياسة", ["رويترز", "أ ف ب"], "2017-06-10T12:00:00+03:00", "مفاوضات الرقة"),
        _art(2, "a", "اقتصاد", ["رويترز"], "2017-06-30T23:30:00-02:00", "مفاوضات النفط"),  # July in UTC
        _art(3, "b", "سياسة", [], "2017-05-01T10:00:00+00:00", "مفاوضات جنيف"),
        _art(4, "b", "", ["سانا"], None, "مباراة كرة القدم"),
    ])
    yield b
    b.close()


def test_facets_count_the_matching_documents(backend):
    f = backend.facets(SearchQuery(text="مفاوضات"))
    assert f["source"] == [("a", 2), ("b", 1)]
    assert f["section"] == [("سياسة", 2), ("اقتصاد", 1)]
    assert f["agency"] == [("رويترز", 2), ("أ ف ب", 1)]
    assert f["month"] == [("2017-07", 1), ("2017-06", 1), ("2017-05", 1)], "UTC months, newest first"


def test_facets_follow_filters_and_match_search_totals(backend):
    query = SearchQuery(text="مفاوضات", sources=["a"])
    f = backend.facets(query)
    assert f["source"] == [("a", 2)] and ("سياسة", 1) in f["section"]
    for name, values in f.items():
        for value, count in values:
            q = SearchQuery(text="مفاوضات", sources=["a"])
            if name == "section":
                q.section = value
            elif name == "agency":
                q.agency = value
            elif name == "month":
                q.since, q.until = month_range(value)
            assert backend.search(q).total == count, (name, value)


def test_facets_without_text_cover_everything_and_skip_empty_values(backend):
    f = backend.facets(SearchQuery())
    assert f["source"] == [("a", 2), ("b", 2)]
    assert "" not in dict(f["section"]) and len(f["month"]) == 3
    assert dict(f["agency"])["سانا"] == 1
    assert backend.facets(SearchQuery(text="لاشيءمطابق")) == {"source": [], "section": [], "agency": [],
                                                             "month": []}
