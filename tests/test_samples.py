"""The bundled sample sites: served over real loopback HTTP, they must look like the web the crawler
expects (robots, feeds, sitemaps, paginated listings, edge cases) and match their own profiles.
"""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from lxml import etree, html

from crawler.profiles import load_profile
from samples import SITE_NAMES, sources_dir
from samples.catalog import SITE_TIMEZONES, catalog
from samples.router import body_bytes
from samples.server import SampleSites

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
GO_TO_TOP = (
    '<a id="go-to-top" class="go-to-top-button" href="#go-to-top"><span class="tie-icon-angle-up"></span>'
    '<span class="screen-reader-text">زر الذهاب إلى الأعلى</span></a>'
)
TRAILER = "هذا المحتوى من موقع دوتش فيل"


@pytest.fixture(scope="module")
def sites():
    with SampleSites().start(ports=dict.fromkeys(SITE_NAMES, 0)) as running:
        yield running


def fetch(url: str, gzip_ok: bool = False, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method,
                                 headers={"Accept-Encoding": "gzip" if gzip_ok else "identity"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def seed(site: str):
    return next(a for a in catalog() if a.site == site and "seed" in a.flags)


def flagged(flag: str):
    (art,) = [a for a in catalog() if flag in a.flags]
    return art


def doc(body: bytes) -> html.HtmlElement:
    return html.fromstring(body.decode("utf-8"))


# -- the catalog ----------------------------------------------------------------------------------
def test_catalog_content():
    arts = catalog()
    for site in SITE_NAMES:
        own = [a for a in arts if a.site == site and not a.flags & {"seed", "republished"}]
        assert len(own) >= 9, site
    seeds = {a.site: a for a in arts if "seed" in a.flags}
    assert set(seeds) == set(SITE_NAMES)
    assert seeds["watan"].title == "«قسد» تفاوض داعش على الانسحاب من الرقة تلافياً لإحراجها"
    assert seeds["watan"].published.startswith("2017-06-27T") and seeds["watan"].section == "سورية"
    assert seeds["dw"].title == "أنباء عن مفاوضات لتأمين خروج آمن لعناصر «داعش» من الرقة"
    assert seeds["dw"].published.startswith("2017-06-10T")
    assert seeds["aggregator"].republished_from == seeds["dw"].url_path
    assert seeds["aggregator"].body == seeds["dw"].body
    for a in seeds.values():
        assert "مفاوضات" in a.text and "الرقة" in a.text
    for a in arts:
        for leak in ("زر الذهاب إلى الأعلى", "صحيفة الوطن", TRAILER, "اضغط هنا"):
            assert leak not in a.text, (a.url_path, leak)


def test_published_offsets_follow_site_timezone():
    for a in catalog():
        dt = datetime.fromisoformat(a.published)
        assert dt.year == 2017
        assert dt.utcoffset() == dt.astimezone(ZoneInfo(SITE_TIMEZONES[a.site])).utcoffset(), a.url_path


# -- machine-readable paths -------------------------------------------------------------------------
@pytest.mark.parametrize("site,disallowed", [("watan", "/wp-admin/"), ("dw", "/private/"),
                                             ("aggregator", "/private/")])
def test_robots_txt(sites, site, disallowed):
    base = sites.base_urls[site]
    status, headers, body = fetch(base + "/robots.txt")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert f"Disallow: {disallowed}" in text
    sitemap = re.search(r"^Sitemap: (\S+)$", text, re.M).group(1)
    assert sitemap.startswith(base + "/")
    assert fetch(sitemap)[0] == 200


@pytest.mark.parametrize("site,feed", [("watan", "/feed/"), ("aggregator", "/rss.xml")])
def test_rss_feeds_list_every_article(sites, site, feed):
    status, headers, body = fetch(sites.base_urls[site] + feed)
    assert status == 200 and "rss+xml" in headers["Content-Type"]
    root = etree.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    links = set(root.xpath("//item/link/text()"))
    assert links == {a.url(sites.base_urls) for a in catalog() if a.site == site}


def test_dw_atom_feed(sites):
    status, headers, body = fetch(sites.base_urls["dw"] + "/atom/ar-all.xml")
    assert status == 200 and "atom+xml" in headers["Content-Type"]
    root = etree.fromstring(body)
    links = {e.get("href") for e in root.iter(f"{ATOM}link") if e.getparent().tag == f"{ATOM}entry"}
    assert links == {a.url(sites.base_urls) for a in catalog() if a.site == "dw"}


@pytest.mark.parametrize("site,index", [("watan", "/sitemap_index.xml"), ("dw", "/sitemap-index.xml"),
                                        ("aggregator", "/sitemap.xml")])
def test_sitemap_index_urlset_and_news_sitemap(sites, site, index):
    base = sites.base_urls[site]
    status, _, body = fetch(base + index)
    assert status == 200
    root = etree.fromstring(body)
    assert root.tag == f"{SM}sitemapindex"
    children = [loc.text for loc in root.iter(f"{SM}loc")]
    expected = {a.url(sites.base_urls) for a in catalog() if a.site == site}
    kinds = set()
    for child in children:
        status, _, body = fetch(child)
        assert status == 200, child
        sub = etree.fromstring(body)
        assert sub.tag == f"{SM}urlset"
        locs = {loc.text for loc in sub.iter(f"{SM}loc")}
        if "/private/" in child:  # listed but disallowed by robots.txt: a trap for impolite crawlers
            continue
        assert expected <= locs
        kinds.add("news" if sub.find(f".//{NEWS}news") is not None else "plain")
        for news in sub.iter(f"{NEWS}news"):
            assert news.findtext(f"{NEWS}publication/{NEWS}language") == "ar"
            assert datetime.fromisoformat(news.findtext(f"{NEWS}publication_date")).tzinfo is not None
    assert kinds == {"news", "plain"}


# -- listings -------------------------------------------------------------------------------------
@pytest.mark.parametrize("site", SITE_NAMES)
def test_listing_pagination(sites, site):
    prof = load_profile(sources_dir() / f"{site}.toml").with_base_url(sites.base_urls[site])
    section = prof.section_list[0]
    selector = section.next_page.removesuffix("::attr(href)")
    status, _, body = fetch(section.url, gzip_ok=True)
    assert status == 200
    first = doc(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
    (nxt,) = first.cssselect(selector)
    page2 = nxt.get("href")
    assert prof.is_allowed(page2) and not prof.is_article(page2)
    status, _, body = fetch(page2)
    assert status == 200
    second = doc(body)
    assert not second.cssselect(selector), "two pages, the second is the last"
    links = {a.get("href") for page in (first, second) for a in page.iter("a")}
    expected = {a.url(sites.base_urls) for a in catalog() if a.site == site and a.section == section.name}
    assert len(expected) > 4 and expected <= links


# -- articles -------------------------------------------------------------------------------------
def test_watan_seed_page(sites):
    art = seed("watan")
    status, headers, body = fetch(art.url(sites.base_urls))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=UTF-8"
    assert headers["Last-Modified"] == "Tue, 27 Jun 2017 07:15:00 GMT" and headers["ETag"].startswith('"')
    assert "Date" in headers and int(headers["Content-Length"]) == len(body)
    text = body.decode("utf-8")
    assert GO_TO_TOP in text and "صحيفة الوطن" in text and "اقرأ أيضاً" in text
    assert f"<title>{art.title} - صحيفة الوطن</title>" in text
    assert '<meta property="article:published_time" content="2017-06-27T10:15:00+03:00" />' in text
    page = doc(body)
    assert page.cssselect("h1.entry-title")[0].text_content() == art.title
    assert page.cssselect(".post-cat-wrap a")[0].text_content() == "سورية"
    paras = [p.text_content() for p in page.cssselect(".entry-content p")]
    assert paras[0] == "| الوطن – وكالات" and paras[1:] == list(art.body)
    assert {"فيسبوك", "تويتر", "واتساب", "طباعة"} <= {s.text for s in page.cssselect(".social-text")}


def test_dw_seed_page_and_gzip(sites):
    art = seed("dw")
    url = art.url(sites.base_urls)
    status, headers, plain = fetch(url)
    assert status == 200 and "Content-Encoding" not in headers and headers["Vary"] == "Accept-Encoding"
    status, zheaders, zipped = fetch(url, gzip_ok=True)
    assert zheaders["Content-Encoding"] == "gzip" and int(zheaders["Content-Length"]) == len(zipped)
    assert gzip.decompress(zipped) == plain
    assert zipped == gzip.compress(plain, mtime=0), "compression is deterministic"
    assert zheaders["ETag"] != headers["ETag"], "each representation has its own ETag"
    text = plain.decode("utf-8")
    assert f"<title>{art.title} | DW عربية</title>" in text
    assert '"datePublished": "2017-06-10T10:47:00+02:00"' in text and '"@type": "NewsArticle"' in text
    page = doc(plain)
    assert [p.text_content() for p in page.cssselect(".article-body p:not(.credit-initials)")] == list(art.body)
    assert page.cssselect(".kicker")[0].text_content() == "سياسة"
    # what the server sends is what body_bytes says it sends
    assert body_bytes("dw", art.url_path, accept_gzip=True, base_urls=sites.base_urls)[2] == zipped


def test_aggregator_seed_page(sites):
    art = seed("aggregator")
    status, headers, body = fetch(art.url(sites.base_urls))
    assert status == 200 and "Content-Encoding" not in headers and "Vary" not in headers
    text = body.decode("utf-8")
    dw_url = sites.base_urls["dw"] + art.republished_from
    assert f'{TRAILER} <a href="{dw_url}" target="_blank">اضغط هنا لعرض الموضوع بالكامل</a>' in text
    assert "السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م" in text and "الأكثر قراءة" in text
    assert "application/ld+json" not in text and "published_time" not in text and "datePublished" not in text
    for para in art.body:
        assert para.replace('"', "&quot;") in text


def test_malformed_page_still_holds_the_article(sites):
    art = flagged("malformed")
    status, headers, body = fetch(art.url(sites.base_urls))
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    assert b"\x00" not in body and b"</div></div></div>" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert not body.rstrip().endswith(b">"), "cut off mid-tag"
    text = body.decode("utf-8", "replace")
    assert all(p in text for p in art.body)
    assert html.fromstring(text).cssselect("h1.entry-title")[0].text_content() == art.title


def test_pdf_at_an_article_url(sites):
    art = flagged("non_html")
    status, headers, body = fetch(art.url(sites.base_urls), gzip_ok=True)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert "Content-Encoding" not in headers
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    xref = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[xref:].startswith(b"xref")


def test_windows_1256_page(sites):
    art = flagged("cp1256")
    status, headers, body = fetch(art.url(sites.base_urls))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=windows-1256"
    assert b'charset=windows-1256"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("cp1256")
    assert "الفستق الحلبي" in text and "مورك" in text and art.title in text
    assert "&#1634;&#1634;" in text, "Eastern Arabic digits, which cp1256 lacks, as character references"


def test_unknown_paths_are_404(sites):
    for site, path in [("watan", "/archives/1"), ("watan", "/category/syria/page/9/"), ("dw", "/ar/x/a-1"),
                       ("aggregator", "/news/1.html"), ("aggregator", "/nothing")]:
        status, headers, body = fetch(sites.base_urls[site] + path)
        assert status == 404, path
        assert int(headers["Content-Length"]) == len(body)


def test_head_has_the_get_headers(sites):
    url = seed("watan").url(sites.base_urls)
    _, get_headers, body = fetch(url)
    status, head_headers, empty = fetch(url, method="HEAD")
    assert status == 200 and empty == b""
    assert head_headers["Content-Length"] == str(len(body)) and head_headers["ETag"] == get_headers["ETag"]


# -- profiles -------------------------------------------------------------------------------------
@pytest.mark.parametrize("site", SITE_NAMES)
def test_profiles_classify_sample_urls(sites, site):
    prof = load_profile(sources_dir() / f"{site}.toml")
    assert prof.id == f"sample-{site}" and prof.verified
    assert prof.base_url == f"http://127.0.0.1:{8701 + SITE_NAMES.index(site)}"
    moved = prof.with_base_url(sites.base_urls[site])
    for art in catalog():
        url = art.url(sites.base_urls)
        assert moved.is_article(url) == (art.site == site), url
        assert prof.is_article(art.url()) == (art.site == site)
    not_articles = [*moved.feed_urls, *moved.sitemap_urls, *(s.url for s in moved.section_list),
                    moved.absolute("/robots.txt"), moved.absolute("/")]
    assert not any(moved.is_article(u) for u in not_articles)
    for url in not_articles[:-2]:
        assert moved.is_allowed(url) and fetch(url)[0] == 200, url


def test_body_bytes_matches_server(sites):
    for art in catalog():
        status, headers, body = body_bytes(art.site, art.url_path, base_urls=sites.base_urls)
        got_status, got_headers, got = fetch(art.url(sites.base_urls))
        assert (status, body) == (got_status, got)
        assert {k: got_headers[k] for k in headers} == headers


def test_module_entry_point_serves(tmp_path):
    """`python -m samples.server` (what `akhbar samples` documents) answers, conditional GET included."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "samples.server", "--port-base", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 20
        while "watan" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
        base = line.split()[-1].rstrip("/")
        with urllib.request.urlopen(base + "/archives/43127", timeout=5) as resp:
            etag = resp.headers["ETag"]
            assert resp.status == 200 and etag
        req = urllib.request.Request(base + "/archives/43127", headers={"If-None-Match": etag})
        try:
            urllib.request.urlopen(req, timeout=5)
            raise AssertionError("expected 304")
        except urllib.error.HTTPError as exc:
            assert exc.code == 304
    finally:
        proc.terminate()
        proc.wait(timeout=10)
