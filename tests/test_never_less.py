"""Never lose what the baseline finds: on every gold and sample page where plain trafilatura finds
the story, akhbar returns the story too, and not much less of it; and when trafilatura cannot read
a page through akhbar's own parse, the fallback chain finds the text and says how (``text_source``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trafilatura

import pipelines.page
from akhbar.evaluate import load_gold
from crawler.profiles import load_profile
from pipelines.capture import NotAnArticle, article_from_capture
from samples import default_base_urls, sources_dir
from samples.aggregator import AggregatorSite
from samples.catalog import catalog
from samples.dw import DwSite
from samples.watan import WatanSite
from tests.test_boilerplate_learning import STORIES

GOLD = Path(__file__).resolve().parents[1] / "goldset" / "pages"
ENOUGH = 0.5  # of plain trafilatura's text (without comments; akhbar also drops the chrome it keeps)


def _pages():
    """(name, body, url, profile, content type, fetched) for every gold page and sample article."""
    for p in load_gold(GOLD):
        yield p.key, p.body, p.url, p.profile, p.content_type or "text/html", p.fetched
    bases = default_base_urls()
    sites = {s.name: s for s in (WatanSite(bases), DwSite(bases), AggregatorSite(bases))}
    profiles = {name: load_profile(sources_dir() / f"{name}.toml") for name in sites}
    for art in catalog():
        page = sites[art.site].route(art.url_path, "")
        if page.status == 200 and "html" in page.content_type:
            yield (f"sample-{art.site}{art.url_path}", page.body, sites[art.site].abs(art.url_path),
                   profiles[art.site].with_base_url(bases[art.site]), page.content_type, "2024-06-01T00:00:00Z")


PAGES = list(_pages())


@pytest.mark.parametrize("name, body, url, profile, ctype, fetched", PAGES, ids=[p[0] for p in PAGES])
def test_akhbar_finds_the_story_wherever_plain_trafilatura_does(name, body, url, profile, ctype, fetched):
    plain = trafilatura.extract(body.decode("utf-8", "replace"), include_comments=False) or ""
    if len(plain) < 200:
        pytest.skip("plain trafilatura finds no story here either")  # a listing or a stub page
    try:
        ours = article_from_capture(body, url, profile, content_type=ctype, fetched=fetched)["text"]
    except NotAnArticle as exc:
        pytest.fail(f"plain trafilatura finds {len(plain)} characters, akhbar refuses the page: {exc}")
    assert len(ours) >= ENOUGH * len(plain), f"{len(ours)} characters against plain trafilatura's {len(plain)}"


def test_the_pages_cover_gold_and_samples():
    assert sum(p[0].startswith("sample-") for p in PAGES) >= 20 and len(PAGES) >= 60


# -- the fallback chain (trafilatura's failure on our tree is injected: no page here produces it) ----
STORY = "\n".join(STORIES)


def _page(jsonld_body: str = "") -> bytes:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "خبر",
                     "articleBody": jsonld_body}, ensure_ascii=False) if jsonld_body else "{}"
    paras = "".join(f"<p>{s}</p>" for s in STORIES)
    return (f'<html lang="ar"><head><title>خبر</title><script type="application/ld+json">{ld}</script></head>'
            f"<body><article><h1>خبر</h1>{paras}</article></body></html>").encode()


def _refusing(when):
    """trafilatura's bare_extraction, made to find nothing for the inputs ``when`` picks."""
    real = trafilatura.bare_extraction

    def fake(filecontent, *args, **kwargs):
        return None if when(filecontent) else real(filecontent, *args, **kwargs)
    return fake


def _extract(body: bytes) -> dict:
    return article_from_capture(body, "https://x.example/1", None, content_type="text/html",
                                fetched="2024-06-01T00:00:00Z")


def test_our_tree_finding_nothing_falls_back_to_trafilaturas_own_parse(monkeypatch):
    expected = _extract(_page())
    assert expected["text_source"] == "trafilatura"
    monkeypatch.setattr(pipelines.page.trafilatura, "bare_extraction", _refusing(lambda c: not isinstance(c, str)))
    got = _extract(_page())
    assert got["text_source"] == "trafilatura:own-parse" and got["text"] == expected["text"]


def test_then_a_whole_jsonld_article_body_then_the_baseline(monkeypatch):
    monkeypatch.setattr(pipelines.page.trafilatura, "bare_extraction", _refusing(lambda c: True))
    got = _extract(_page(jsonld_body=STORY))
    assert got["text_source"] == "jsonld:articleBody" and STORIES[2] in got["text"]
    teaser = _extract(_page(jsonld_body=STORIES[0][:60] + "…"))  # a teaser is not the story
    assert teaser["text_source"] == "trafilatura:baseline" and STORIES[3] in teaser["text"]


def test_a_page_with_no_text_at_all_is_still_refused(monkeypatch):
    monkeypatch.setattr(pipelines.page.trafilatura, "bare_extraction", _refusing(lambda c: True))
    with pytest.raises(NotAnArticle):
        _extract(b'<html><head><title>x</title></head><body><div id="root"></div></body></html>')


def test_related_link_lists_go_before_extraction_but_a_story_under_such_a_heading_stays():
    import lxml.html

    from pipelines.page import _drop_link_lists

    root = lxml.html.fromstring(
        '<html><body><article><div class="body"><p>فقرة أولى من الخبر</p>'
        '<section><h2>قد يهمك أيضاً</h2><ul><li><a href="/1">عنوان قصة أخرى</a></li><li><a href="/2">عنوان ثان</a></li>'
        '</ul></section><p>فقرة ثانية من الخبر</p></div>'
        '<div class="story"><h3>اقرأ أيضا</h3><p>هذه فقرة من نص الخبر لا رابط فيها على الإطلاق.</p></div>'
        '</article></body></html>')
    _drop_link_lists(root)
    text = root.text_content()
    assert "عنوان قصة أخرى" not in text and "قد يهمك" not in text
    assert "فقرة أولى" in text and "فقرة ثانية" in text and "لا رابط فيها" in text


def test_a_standfirst_in_a_block_of_its_own_is_kept_as_subtitle_and_lead():
    """No meta tag names the standfirst; the page marks it by class («article-lead»): it is the
    record's subtitle and opens the text, where trafilatura drops it as a teaser."""
    lead = "أعلنت الحكومة اليوم خطة جديدة لدعم المزارعين في المناطق المتضررة من الجفاف خلال العام الجاري."
    paras = "".join(f"<p>{s}</p>" for s in STORIES)
    page = (f'<html lang="ar"><head><title>خطة لدعم المزارعين</title></head><body><main><article>'
            f'<h1>خطة لدعم المزارعين</h1><div class="article-lead">{lead}</div><div class="article-body">{paras}</div>'
            f"</article></main></body></html>").encode()
    article = _extract(page)
    assert article["subtitle"] == lead
    assert article["text"].split("\n")[0] == lead
