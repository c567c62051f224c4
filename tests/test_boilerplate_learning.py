"""Site boilerplate learned from repetition across pages, its persistence, and its use in extraction."""

from __future__ import annotations

import json

import pytest

from crawler.profiles import profile_from_dict
from pipelines.boilerplate_learning import BoilerplateStore, SiteBoilerplate, fingerprint
from pipelines.capture import article_from_capture

PROMO = "حمّلوا تطبيق المنصة على هواتفكم الذكية"
STORIES = [
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في المدينة بسعة مئتي سرير.",
    "وقال الوزير في مؤتمر صحفي إن المستشفى سيخدم أكثر من نصف مليون نسمة في المنطقة.",
    "وشهدت الأسواق المحلية ارتفاعاً في أسعار الخضار مع بداية فصل الصيف الحار.",
    "وأكد التجار أن الطلب زاد بعد عودة المغتربين لقضاء العطلة مع أسرهم.",
    "فاز الفريق المحلي على ضيفه بثلاثة أهداف دون رد في مباراة مثيرة مساء أمس.",
]


def test_fingerprint_ignores_tashkeel_spacing_and_numbers():
    assert fingerprint("عدد القراءات:  2311") == fingerprint("عدد القراءات: ٤٥")
    assert fingerprint("حمّلوا التطبيقَ") == fingerprint("حملوا التطبيق")


def test_a_line_repeated_on_many_pages_is_learned_a_story_line_is_not():
    site = SiteBoilerplate("x")
    for i, story in enumerate(STORIES):
        site.observe(f"https://x.example/{i}", [story, PROMO])
    assert site.is_boilerplate(PROMO)
    assert not any(site.is_boilerplate(s) for s in STORIES)


def test_needs_min_pages_and_share():
    site = SiteBoilerplate("x")
    for i in range(2):
        site.observe(f"https://x.example/{i}", [PROMO])
    assert not site.is_boilerplate(PROMO), "two pages are a coincidence"
    site.observe("https://x.example/2", [PROMO])
    assert site.is_boilerplate(PROMO)
    for i in range(3, 60):
        site.observe(f"https://x.example/{i}", [f"سطر {i} فريد في الصفحة رقم"])
    assert not site.is_boilerplate(PROMO), "3 of 60 pages is under the 10% share"


def test_the_same_url_counts_once():
    site = SiteBoilerplate("x")
    for _ in range(5):
        site.observe("https://x.example/1", [PROMO])
    assert site.pages == 1 and not site.is_boilerplate(PROMO)


def test_store_round_trip(tmp_path):
    store = BoilerplateStore(tmp_path / "boilerplate")
    site = store.get("gold")
    for i in range(4):
        site.observe(f"https://x.example/{i}", [PROMO, STORIES[i]])
    store.save()
    data = json.loads((tmp_path / "boilerplate" / "gold.json").read_text(encoding="utf-8"))
    assert data["pages"] == 4 and fingerprint(PROMO) in data["learned"]
    again = BoilerplateStore(tmp_path / "boilerplate").get("gold")
    assert again.is_boilerplate(PROMO) and again.pages == 4
    again.observe("https://x.example/0", [PROMO])
    assert again.pages == 4, "seen URLs persist too"


def test_unreadable_state_is_ignored(tmp_path):
    (tmp_path / "boilerplate").mkdir()
    (tmp_path / "boilerplate" / "gold.json").write_text("{not json", encoding="utf-8")
    assert BoilerplateStore(tmp_path / "boilerplate").get("gold").pages == 0


def _page(i: int) -> bytes:
    return (f'<html lang="ar"><head><title>خبر {i} - موقع</title></head><body><article><h1>خبر رقم {i}</h1>'
            f"<p>{STORIES[i]} {STORIES[(i + 1) % 5]}</p><p>{STORIES[(i + 2) % 5]}</p><p>{PROMO}</p>"
            "</article></body></html>").encode()


PROFILE = profile_from_dict({"id": "x", "name_ar": "موقع", "name_en": "X", "country": "SA",
                             "base_url": "https://x.example", "allowed_domains": ["x.example"],
                             "article_patterns": ["^https://x.example/"], "feeds": ["/feed"]})


def _learn(i: int, store: BoilerplateStore) -> str:
    """What the crawl does with each page: count it into the site's boilerplate, then extract."""
    return article_from_capture(_page(i), f"https://x.example/{i}", PROFILE, content_type="text/html",
                                learned=store.get(PROFILE.id), learn=True)["text"]


def test_extraction_learns_then_drops_the_line(tmp_path):
    store = BoilerplateStore(tmp_path / "boilerplate")
    texts = [_learn(i, store) for i in range(5)]
    assert PROMO in texts[0], "nothing learned yet on the first page"
    assert PROMO not in texts[-1]
    # applied to pages seen before once learned (what `akhbar reindex` does)
    assert PROMO not in _learn(0, store)
    store.save()
    assert (tmp_path / "boilerplate" / "x.json").exists()


@pytest.mark.slow
def test_the_crawl_keeps_what_it_learned_per_source(crawl):
    """The real crawl of the sample sites leaves one state file per source under state/boilerplate/."""
    for source in ("sample-watan", "sample-dw", "sample-aggregator"):
        path = crawl.data.state / "boilerplate" / f"{source}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["source"] == source and data["pages"] >= 8
