"""The throughput benchmark in its short form: ``bench.crawl_throughput`` over the sample sites'
texts (the SaudiNewsNet corpus it reads by default is not part of the repository), two rounds, so
that its tables — the README's — keep being what the bench prints: a median and its spread for
every run, and every run finding every article. Times are only reported, never asserted."""

from __future__ import annotations

import re

import pytest

from bench import crawl_throughput
from samples.catalog import catalog

pytestmark = pytest.mark.slow

_ROW = re.compile(r"^\| (?P<label>[^|]+) \| (?P<median>[\d.]+) s \((?P<lo>[\d.]+)–(?P<hi>[\d.]+)\) "
                  r"\| (?P<count>[\d,]+) \|")


def test_the_benchmark_gives_the_median_of_repeated_runs_each_finding_every_article(monkeypatch, capsys):
    articles = [{"title": a.title, "text": a.text, "published": a.published} for a in catalog() if a.text.strip()]
    assert len(articles) >= 30
    monkeypatch.setattr(crawl_throughput, "load_articles", lambda: articles)
    assert crawl_throughput.main(["--articles", "30", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "median of 2 runs each" in out
    rows = [m for m in map(_ROW.match, out.splitlines()) if m]
    assert [m["label"] for m in rows] == [
        "bare Scrapy SitemapSpider + trafilatura.extract", "akhbar crawl, extraction in process",
        "akhbar crawl, extraction workers", "bare: warcio + trafilatura.extract, one process",
        "akhbar reindex --workers 0", "akhbar reindex (workers)"]
    for m in rows:
        assert float(m["lo"]) <= float(m["median"]) <= float(m["hi"]), m.group(0)
        assert int(m["count"].replace(",", "")) == 30, m.group(0)
