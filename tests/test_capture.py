"""``article_from_capture``: the one path from a capture to an article, as each caller uses it —
the crawl, its catch-up, ``akhbar reindex``, ``akhbar extract`` and the gold-set evaluation."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings

from akhbar import reindex
from akhbar.evaluate import GoldPage, run_akhbar
from core.archive import ArchivedResponse
from core.config import DataDir
from crawler.items import FetchedPage
from crawler.profiles import profile_from_dict
from pipelines.boilerplate_learning import BoilerplateStore, SiteBoilerplate
from pipelines.capture import NotAnArticle, article_from_capture
from pipelines.extract import ExtractPipeline
from tests.conftest import akhbar
from tests.test_boilerplate_learning import PROMO, STORIES

PROFILE = profile_from_dict({"id": "x", "name_ar": "موقع", "name_en": "X", "country": "SA",
                             "base_url": "https://x.example", "allowed_domains": ["x.example"],
                             "article_patterns": ["^https://x.example/"], "feeds": ["/feed"]})
HTML = "text/html; charset=utf-8"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def _page(i: int) -> bytes:
    return (f'<html lang="ar"><head><title>خبر {i} - موقع</title></head><body><article><h1>خبر رقم {i}</h1>'
            f"<p>{STORIES[i]} {STORIES[(i + 1) % 5]}</p><p>{STORIES[(i + 2) % 5]}</p><p>{PROMO}</p>"
            "</article></body></html>").encode()


def _url(i: int) -> str:
    return f"https://x.example/{i}"


def _learned_site() -> SiteBoilerplate:
    site = SiteBoilerplate(PROFILE.id)
    for i in range(5):
        article_from_capture(_page(i), _url(i), PROFILE, content_type=HTML, learned=site, learn=True)
    return site


# -- what is not an article, the same for every caller -------------------------------------------------
@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (_page(0), "image/png", "non_html"),
    (_page(0), "", "non_html"),  # a response without a Content-Type is not called HTML
    (PNG, HTML, "binary"),
    (PNG, None, "binary"),  # no header to judge (a file): the bytes still are
    (b"<html><head><title>t</title></head><body></body></html>", HTML, "no_text"),
])
def test_not_an_article_says_why(body, content_type, reason):
    with pytest.raises(NotAnArticle) as caught:
        article_from_capture(body, _url(0), PROFILE, content_type=content_type)
    assert caught.value.reason == reason


def test_no_header_to_judge_reads_the_bytes():
    article = article_from_capture(_page(1), _url(1), PROFILE, content_type=None)
    assert article["title"] == "خبر رقم 1" and STORIES[1] in article["text"]


def test_read_only_unless_learning():
    site = _learned_site()
    pages = site.pages
    text = article_from_capture(_page(2), _url(2), PROFILE, content_type=HTML, learned=site)["text"]
    assert PROMO not in text and site.pages == pages, "learned lines dropped, nothing counted"


# -- one test per caller --------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", ["0", "2"])
def test_crawl_counts_then_cleans(tmp_path, workers):
    """ExtractPipeline: each page is counted into the source's store, then cleaned with it — parsed
    in the crawl process or in worker processes alike."""
    counted: Counter = Counter()
    stats = SimpleNamespace(inc_value=lambda key, n=1: counted.update({key: n}))
    crawler = SimpleNamespace(stats=stats, spider=SimpleNamespace(profile=PROFILE),
                              settings=Settings({"AKHBAR_DATA_DIR": str(tmp_path), "AKHBAR_EXTRACT_WORKERS": workers}))
    pipe = ExtractPipeline(crawler)
    assert pipe.pool.workers == int(workers)
    items = [FetchedPage(url=_url(i), source="x", body=_page(i), content_type=HTML, status=200,
                         fetched="2024-01-01T00:00:00+00:00", warc={"record_id": str(i)}) for i in range(5)]
    texts = [asyncio.run(pipe.process_item(item))["text"] for item in items]
    assert PROMO in texts[0] and PROMO not in texts[-1]
    assert asyncio.run(pipe.process_item(items[0]))["warc"] == {"record_id": "0"}
    with pytest.raises(DropItem):
        asyncio.run(pipe.process_item(FetchedPage(url=_url(9), source="x", body=PNG, content_type=HTML, status=200,
                                                  fetched="")))
    assert counted["akhbar/errors/no_article_text"] == 1
    pipe.close_spider()
    assert BoilerplateStore(DataDir(tmp_path).boilerplate).get("x").pages == 5


def test_catch_up_uses_what_was_saved_without_adding(tmp_path):
    """The catch-up reads the saved state: learned lines go, the page is not counted."""
    store = BoilerplateStore(tmp_path)
    store.sites["x"] = _learned_site()
    store.sites["x"].dirty = True
    store.save()
    saved = BoilerplateStore(tmp_path).get("x")
    article = article_from_capture(_page(3), "https://x.example/new", PROFILE, content_type=HTML,
                                   fetched="2024-01-01T00:00:00Z", learned=saved)
    assert PROMO not in article["text"] and not saved.has_seen("https://x.example/new")


def test_reindex_pass_one_counts_html_article_pages_only(monkeypatch):
    def captures(data, counts=None):
        for i in range(4):
            yield ArchivedResponse(_url(i), 200, HTML, _page(i), "2024-01-01T00:00:00Z", {}, "x"), PROFILE
        yield ArchivedResponse(_url(8), 200, "image/png", PNG, "2024-01-01T00:00:00Z", {}, "x"), PROFILE
        yield ArchivedResponse(_url(0), 200, HTML, _page(0), "2024-01-01T00:00:00Z", {}, "x"), PROFILE  # seen

    monkeypatch.setattr(reindex, "_article_captures", captures)
    store = BoilerplateStore("/nonexistent")
    assert reindex.learn_boilerplate(None, store) == 4
    assert store.get("x").pages == 4


def test_extract_command_refuses_binary_and_reads_html(tmp_path):
    binary = tmp_path / "image.html"
    binary.write_bytes(PNG)
    proc = akhbar("--data", str(tmp_path), "extract", str(binary), "--url", _url(0), check=False)
    assert proc.returncode == 2 and b"not HTML" in proc.stderr + proc.stdout
    page = tmp_path / "page.html"
    page.write_bytes(_page(4))
    proc = akhbar("--data", str(tmp_path), "extract", str(page), "--url", _url(4), "--source", "x", check=False)
    assert proc.returncode == 2 and b"unknown source" in proc.stderr + proc.stdout  # x is no bundled profile
    proc = akhbar("--data", str(tmp_path), "extract", str(page), "--url", _url(4), "--json")
    assert STORIES[4] in proc.stdout.decode()


def test_evaluation_learns_like_a_reindex():
    pages = [GoldPage(key=f"x-{i}", family="x", url=_url(i), body=_page(i), content_type=HTML,
                      fetched="2024-01-01T00:00:00+00:00", profile=PROFILE, expected={}, boilerplate=[PROMO])
             for i in range(5)]
    for page in pages:
        page.expected = {"text": "", "title": "", "published": None, "section": "", "authors": [], "agencies": [],
                         "original_source": "", "subtitle": "", "tags": [], "canonical_url": page.url, "image": ""}
    learned, fresh = run_akhbar(pages, learn=True), run_akhbar(pages, learn=False)
    assert all(r.leaked == [] for r in learned.results)
    assert all(r.leaked == [PROMO] for r in fresh.results)


def test_the_refusal_crosses_a_process_boundary_whole():
    """An extraction worker raises NotAnArticle; the crawl process must see the same reason."""
    import pickle

    back = pickle.loads(pickle.dumps(NotAnArticle("x is not HTML", "binary")))
    assert (str(back), back.reason) == ("x is not HTML", "binary")
