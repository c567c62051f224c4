"""The bundled source profiles of real sites, and the loader's validation of bad ones.

The real-site profiles are written from knowledge (``verified = false``); these tests pin down that
they load, that their article patterns accept realistic article URLs of each site (as written and as
the spider sees them after ``canonicalize_url``, which percent-encodes Arabic slugs) and that their own
feed, sitemap and section URLs are never mistaken for articles.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest
from w3lib.url import canonicalize_url

from crawler.profiles import (
    SOURCES_DIR,
    ProfileError,
    SourceProfile,
    load_profile,
    load_profiles,
    profile_from_dict,
)

PROFILES = load_profiles([SOURCES_DIR])

# Realistic article URLs per profile (shapes as the sites use them; ids and slugs invented).
ARTICLES: dict[str, list[str]] = {
    "alwatan-sy": [
        "https://alwatan.sy/archives/284569",
        "https://alwatan.sy/archives/301245/",
        "http://www.alwatan.sy/archives/299870?utm_source=rss",
    ],
    "sana-sy": [
        "https://sana.sy/?p=2012345",
        "https://www.sana.sy/?p=1956474",
        "https://sana.sy/politics/2245123/",
    ],
    "enabbaladi": [
        "https://www.enabbaladi.net/archives/712345",
        "https://www.enabbaladi.net/archives/698210/",
    ],
    "syria-tv": [
        "https://www.syria.tv/قسد-تعتقل-شبانا-في-ريف-دير-الزور-الشرقي",
        "https://www.syria.tv/الائتلاف-الوطني-يدين-القصف-على-إدلب",
    ],
    "aljazeera": [
        "https://www.aljazeera.net/news/2024/1/15/مقتل-3-فلسطينيين-برصاص-الاحتلال-في-جنين",
        "https://www.aljazeera.net/ebusiness/2023/12/31/أسعار-النفط-تتراجع-مع-نهاية-العام",
        "https://www.aljazeera.net/politics/2024/10/3/سوريا-الأسد-والمعارضة",
    ],
    "aawsat": [
        "https://aawsat.com/العالم-العربي/المشرق-العربي/4812345-دمشق-تعلن-إجراءات-جديدة-للمعابر",
        "https://aawsat.com/الاقتصاد/4798765-أسعار-الذهب-ترتفع",
        "https://aawsat.com/home/article/3012345/حوار-مع-وزير-الخارجية",
    ],
    "dw-arabic": [
        "https://www.dw.com/ar/سوريا-عودة-اللاجئين-من-ألمانيا/a-68012345",
        "https://www.dw.com/ar/ألمانيا-قانون-الجنسية-الجديد/a-67998877?maca=ar-rss-ar-all-1127-rdf",
    ],
    "bbc-arabic": [
        "https://www.bbc.com/arabic/articles/c4n1y5jz2xyo",
        "https://www.bbc.com/arabic/middleeast-67891234",
        "https://www.bbc.co.uk/arabic/science-and-tech-67012345",
    ],
    "alarabiya": [
        "https://www.alarabiya.net/arab-and-world/syria/2024/01/15/الشرع-يستقبل-وفدا-أوروبيا-في-دمشق",
        "https://www.alarabiya.net/aswaq/economy/2023/12/31/أسعار-النفط",
        "https://www.alarabiya.net/saudi-today/2024/02/01/السعودية-تطلق-مبادرة",
    ],
    "almayadeen": [
        "https://www.almayadeen.net/news/politics/الخارجية-الروسية-تعلق-على-التطورات-في-سوريا",
        "https://www.almayadeen.net/articles/حرب-غزة-والمعادلات-الإقليمية-الجديدة",
    ],
    "alquds-alarabi": [
        "https://www.alquds.co.uk/الاحتلال-يقتحم-مخيم-جنين/",
        "https://www.alquds.co.uk/مظاهرات-في-السويداء-تطالب-بالإفراج-عن-المعتقلين/",
    ],
    "independent-arabia": [
        "https://www.independentarabia.com/node/512345/سياسة/تقارير/سوريا-بعد-عام-على-سقوط-النظام",
        "https://www.independentarabia.com/node/498765",
    ],
    "al-akhbar": [
        "https://al-akhbar.com/Politics/378123",
        "https://al-akhbar.com/Syria/377654",
    ],
    "annahar": [
        "https://www.annahar.com/arabic/news/arab-world/syria/15012024093512345/دمشق-تستعيد-الكهرباء",
        "https://www.annahar.com/arabic/section/76-العالم-العربي/15012024093512345",
    ],
}

# Pages of the same sites that are not articles: listings, tags, other-language editions, media.
NOT_ARTICLES: dict[str, list[str]] = {
    "alwatan-sy": [
        "https://alwatan.sy/archives/category/محليات/page/2",
        "https://alwatan.sy/archives/tag/دمشق",
        "https://alwatan.sy/archives/284569/feed",
    ],
    "sana-sy": ["https://sana.sy/en/?p=327654", "https://sana.sy/fr/?p=1234567", "https://sana.sy/en/politics/2245123/"],
    "enabbaladi": [
        "https://english.enabbaladi.net/archives/2024/01/regime-forces-shell-idlib/",
        "https://www.enabbaladi.net/archives/category/news/page/2",
    ],
    "syria-tv": [
        "https://www.syria.tv/news",
        "https://www.syria.tv/programs/برنامج-من-أربع-كلمات-هنا",
        "https://www.syria.tv/taxonomy/term/12",
    ],
    "aljazeera": [
        "https://www.aljazeera.net/where/mideast/syria/",
        "https://www.aljazeera.net/program/for-the-story/2024/1/15/ما-وراء-الخبر",
        "https://www.aljazeera.com/news/2024/1/15/israel-war-on-gaza",
    ],
    "aawsat": ["https://english.aawsat.com/arab-world/4812345-damascus-announces", "https://aawsat.com/العالم-العربي"],
    "dw-arabic": [
        "https://www.dw.com/en/syria-refugees-return-from-germany/a-68012345",
        "https://www.dw.com/de/syrien-flüchtlinge/a-68012345",
        "https://www.dw.com/ar/تقرير-مصور/video-68012345",
        "https://www.dw.com/ar/صور/g-68012345",
    ],
    "bbc-arabic": [
        "https://www.bbc.com/news/articles/c4n1y5jz2xyo",
        "https://www.bbc.com/persian/articles/c4n1y5jz2xyo",
        "https://www.bbc.com/arabic/media-67891234",
        "https://www.bbc.com/arabic/topics/cjgn7233zk5t",
    ],
    "alarabiya": [
        "https://english.alarabiya.net/News/middle-east/2024/01/15/Syria-s-new-government",
        "https://www.alarabiya.net/arab-and-world/syria",
    ],
    "almayadeen": [
        "https://www.almayadeen.net/news/politics",
        "https://english.almayadeen.net/news/politics/russian-foreign-ministry-comments",
    ],
    "alquds-alarabi": [
        "https://www.alquds.co.uk/category/أخبار/page/2/",
        "https://www.alquds.co.uk/tag/سوريا-الجديدة-اليوم/",
        "https://www.alquds.co.uk/author/مراسل-القدس-العربي-لندن/",
    ],
    "independent-arabia": ["https://www.independentarabia.com/سياسة", "https://www.independentarabia.com/node/512345/edit"],
    "al-akhbar": ["https://al-akhbar.com/Politics", "https://al-akhbar.com/Authors/1234"],
    "annahar": ["https://www.annahar.com/arabic/section/76-العالم-العربي", "https://www.annahar.com/english/news/15012024093512345"],
}


def _own_listing_urls(prof: SourceProfile) -> list[str]:
    return [prof.base_url, *prof.feed_urls, *prof.sitemap_urls, *(s.url for s in prof.section_list)]


# -- the bundled profiles ---------------------------------------------------------------------------
def test_enough_real_profiles():
    assert len(PROFILES) >= 10
    assert set(ARTICLES) <= set(PROFILES), set(ARTICLES) - set(PROFILES)


def test_every_profile_has_test_urls():
    assert set(PROFILES) <= set(ARTICLES), f"add example article URLs for {set(PROFILES) - set(ARTICLES)}"


@pytest.mark.parametrize("pid", sorted(PROFILES))
def test_profile_is_sane_and_unverified(pid: str):
    prof = PROFILES[pid]
    assert prof.verified is False, "real-site profiles are written from knowledge until crawled"
    assert prof.notes.strip(), "notes must say what is uncertain"
    assert "without fetching" in prof.notes
    assert prof.feeds or prof.sitemaps, "a real profile needs a feed or a sitemap"
    assert prof.boilerplate or prof.title_suffixes
    assert prof.language == "ar"
    assert len(prof.country) == 2 and prof.country.isupper()
    assert prof.tz is not None
    assert Path(prof.path).name == f"{pid}.toml"
    # Re-validates through the same path the loader uses.
    assert load_profile(prof.path) == prof
    for url in _own_listing_urls(prof):
        assert prof.is_allowed(url), url
    for sec in prof.section_list:
        assert sec.max_pages >= 1
        if sec.next_page:
            assert "::attr(href)" in sec.next_page, "the spider takes .get() of the selector"


@pytest.mark.parametrize("pid", sorted(ARTICLES))
def test_example_articles_are_articles(pid: str):
    prof = PROFILES[pid]
    for url in ARTICLES[pid]:
        for form in (url, canonicalize_url(url)):
            assert prof.is_allowed(form), form
            assert prof.is_article(form), form


@pytest.mark.parametrize("pid", sorted(PROFILES))
def test_listing_pages_are_not_articles(pid: str):
    prof = PROFILES[pid]
    for url in _own_listing_urls(prof) + NOT_ARTICLES.get(pid, []):
        for form in (url, canonicalize_url(url)):
            assert not prof.is_article(form), form


def test_dw_profile_is_arabic_only():
    prof = PROFILES["dw-arabic"]
    assert all("/ar/" in p for p in prof.article_patterns)


def test_alwatan_jannah_boilerplate():
    prof = PROFILES["alwatan-sy"]
    assert "زر الذهاب إلى الأعلى" in prof.boilerplate
    assert "صحيفة الوطن" in prof.boilerplate


def test_profiles_do_not_claim_each_others_articles():
    for pid, urls in ARTICLES.items():
        for other_id, other in PROFILES.items():
            if other_id != pid:
                assert not any(other.is_article(u) for u in urls), (pid, other_id)


# -- loader validation ------------------------------------------------------------------------------
GOOD: dict = {
    "id": "test-site",
    "name_ar": "موقع تجريبي",
    "name_en": "Test Site",
    "country": "SY",
    "base_url": "https://www.example-news.sy",
    "allowed_domains": ["example-news.sy"],
    "article_patterns": [r"/archives/\d+"],
    "timezone": "Asia/Damascus",
    "feeds": ["/feed"],
}


def _toml(data: dict) -> str:
    """Enough TOML for flat profiles (JSON strings and arrays are valid TOML values)."""
    return "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in data.items())


def _write(tmp_path: Path, data: dict, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(_toml(data), encoding="utf-8")
    return path


def test_good_profile_loads(tmp_path: Path):
    _write(tmp_path, GOOD)
    profiles = load_profiles([tmp_path])
    assert list(profiles) == ["test-site"]
    assert profiles["test-site"].is_article("https://www.example-news.sy/archives/12")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"article_patterns": None}, "missing required field"),
        ({"base_url": None}, "missing required field"),
        ({"article_patterns": [r"/archives/(\d+"]}, "bad regex"),
        ({"deny_patterns": ["[unclosed"]}, "bad regex"),
        ({"homepage": "https://www.example-news.sy"}, "unknown field"),
        ({"timezone": "Asia/Dimashq"}, "unknown timezone"),
        ({"feeds": ["https://feeds.elsewhere.com/rss"]}, "outside allowed_domains"),
        ({"id": "Test_Site"}, "lowercase"),
        ({"base_url": "ftp://example-news.sy"}, "not an http(s) URL"),
        ({"feeds": None}, "needs at least one of feeds, sitemaps, sections"),
        # A string where a list belongs must not become a tuple of one-character patterns/feeds.
        ({"allowed_domains": "example-news.sy"}, "must be a list of strings"),
        ({"article_patterns": "/archives/"}, "must be a list of strings"),
        ({"verified": "false"}, "verified must be true or false"),
        ({"timezone": 3}, "timezone must be a string"),
    ],
)
def test_bad_profile_raises_naming_the_file(tmp_path: Path, change: dict, message: str):
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    path = _write(tmp_path, data)
    with pytest.raises(ProfileError) as err:
        load_profiles([tmp_path])
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_bad_section_raises_naming_the_file(tmp_path: Path):
    path = _write(tmp_path, GOOD)
    with path.open("a", encoding="utf-8") as fh:
        fh.write('\n[[sections]]\nurl = "/news"\npagination = "a.next"\n')
    with pytest.raises(ProfileError, match=r"sections\[0\] unknown field") as err:
        load_profiles([tmp_path])
    assert str(path) in str(err.value)


def test_invalid_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text('id = "x"\nfeeds = ["/feed"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML") as err:
        load_profiles([tmp_path])
    assert str(path) in str(err.value)


def test_duplicate_id_names_both_files(tmp_path: Path):
    first = _write(tmp_path, GOOD, "a.toml")
    second = _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ProfileError, match="duplicate id") as err:
        load_profiles([tmp_path])
    assert str(second) in str(err.value)
    assert str(first) in str(err.value)


def test_duplicate_of_a_bundled_id_is_refused(tmp_path: Path):
    path = _write(tmp_path, {**GOOD, "id": "aljazeera"})
    with pytest.raises(ProfileError, match="duplicate id") as err:
        load_profiles([SOURCES_DIR, tmp_path])
    assert str(path) in str(err.value)


def test_same_host_http_link_is_allowed_but_other_port_is_not(tmp_path: Path):
    prof = load_profile(_write(tmp_path, GOOD))
    assert prof.is_allowed("http://www.example-news.sy/archives/1")
    assert prof.is_allowed("https://example-news.sy/archives/1")
    assert not prof.is_allowed("https://www.example-news.sy:8443/archives/1")
    assert not prof.is_allowed("https://example-news.sy.evil.com/archives/1")
    local = prof.with_base_url("http://127.0.0.1:8001")
    assert local.is_allowed("http://127.0.0.1:8001/archives/1")
    assert not local.is_allowed("http://127.0.0.1:8002/archives/1")
    assert not local.is_allowed("http://127.0.0.1/archives/1")


def test_to_dict_round_trips_through_the_loader_for_every_profile():
    """The schema is the dataclass: what to_dict writes (the warcinfo copy) loads back the same."""
    samples = load_profiles([Path(__file__).resolve().parent.parent / "samples" / "sources"])
    for prof in [*PROFILES.values(), *samples.values()]:
        data = prof.to_dict()
        assert set(data) == {f.name for f in fields(SourceProfile)} - {"path", "_compiled", "_denied"}
        assert profile_from_dict(data, prof.path) == prof


@pytest.mark.parametrize("pid", sorted(PROFILES))
def test_real_examples_from_public_references_classify_as_the_site_uses_them(pid: str):
    """Each profile carries real URLs of its site found in public references (other scrapers'
    configurations and tests, publishers' own code, feed lists): articles must be allowed and
    taken as articles, the site's other pages (sections, programmes, institutional pages, other
    editions) must not. An archive that silently skips a site's current URL shape loses it all."""
    prof = PROFILES[pid]
    for url in prof.article_examples:
        for form in (url, canonicalize_url(url)):
            assert prof.is_allowed(form) and prof.is_article(form), form
    for url in prof.non_article_examples:
        for form in (url, canonicalize_url(url)):
            assert not prof.is_article(form), form
    assert len(prof.non_article_examples) >= 3


@pytest.mark.parametrize("pid", sorted(PROFILES))
def test_unverified_profiles_say_where_each_claim_comes_from(pid: str):
    for field_name in ("feeds", "sitemaps", "article_patterns", "title_suffixes"):
        assert any(line.startswith(field_name) for line in PROFILES[pid].evidence), \
            f"{pid}: no evidence line for {field_name}"


def test_the_examples_cover_the_bundled_sites():
    assert sum(len(p.article_examples) for p in PROFILES.values()) >= 40
    assert sum(len(p.non_article_examples) for p in PROFILES.values()) >= 60
