"""The ``aggregator`` sample site: an old-school table-layout news portal that republishes DW copy.

What makes it hard for an extractor is on purpose: no date metadata at all (only a visible Arabic date
with Eastern Arabic digits and Levantine month names), a syndication trailer glued to each
republished story, a «الأكثر قراءة» sidebar, and one page encoded in windows-1256.
"""

from __future__ import annotations

import re

from samples.catalog import SampleArticle
from samples.common import Page, SiteBase, e, paginate, teaser, urlset, xml_page

SITE_NAME = "أخبار المشرق"
SECTIONS: dict[str, str] = {
    "arab-world": "أخبار عربية", "economy": "اقتصاد", "health": "صحة", "sport": "رياضة", "misc": "منوعات",
}
MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
          "تشرين الأول", "تشرين الثاني", "كانون الأول")
WEEKDAYS = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TRAILER_TEXT = "هذا المحتوى من موقع دوتش فيل"
TRAILER_LINK = "اضغط هنا لعرض الموضوع بالكامل"
DRAFTS_SITEMAP = "/private/drafts-sitemap.xml"
_ARTICLE = re.compile(r"^/news/\d+\.html$")
_CATEGORY = re.compile(r"^/cat/([a-z-]+?)(?:-p(\d+))?\.html$")


def arabic_date(a: SampleArticle) -> str:
    """«السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م»: local time, 12-hour clock, Eastern Arabic digits."""
    d = a.published_dt
    hour = d.hour % 12 or 12
    ampm = "ص" if d.hour < 12 else "م"
    text = f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year} - {hour}:{d.minute:02d} {ampm}"
    return text.translate(EASTERN_DIGITS)


def section_slug(name: str) -> str:
    return next((slug for slug, label in SECTIONS.items() if label == name), "misc")


class AggregatorSite(SiteBase):
    name = "aggregator"
    publication = SITE_NAME
    robots_disallow = ("/private/", "/search.php")
    sitemap_index_path = "/sitemap.xml"
    # the index also lists a sitemap under a robots-disallowed path: a polite crawler must skip it
    sitemap_paths = ("/sitemaps/articles.xml", "/sitemaps/news.xml", DRAFTS_SITEMAP)
    feed_path = "/rss.xml"

    def route_html(self, path: str, query: str) -> Page | None:
        if path == "/":
            return self.html(self.listing("آخر الأخبار", self.articles[:8], "", 1, False))
        if _ARTICLE.match(path) and path in self.by_path:
            art = self.by_path[path]
            charset = "windows-1256" if "cp1256" in art.flags else "utf-8"
            page = self.html(self.article(art, charset), charset)
            page.last_modified, page.etag = art.modified_dt, True
            return page
        if m := _CATEGORY.match(path):
            slug, num = m.group(1), int(m.group(2) or 1)
            if slug not in SECTIONS or (m.group(2) and num < 2):
                return None
            items, more = paginate([a for a in self.articles if a.section == SECTIONS[slug]], num)
            return self.html(self.listing(SECTIONS[slug], items, slug, num, more)) if items else None
        if path == DRAFTS_SITEMAP:
            return xml_page(urlset([(self.abs("/"), None)]))
        if path.startswith("/private/") or path == "/search.php":
            return self.html(self.layout("غير متاح", "<p>هذه الصفحة غير متاحة.</p>"))
        return None

    def html(self, text: str, charset: str = "utf-8") -> Page:
        # xmlcharrefreplace: windows-1256 has Arabic letters but no Eastern Arabic digits
        return Page(200, f"text/html; charset={charset}", text.encode(charset, "xmlcharrefreplace"))

    def feed(self) -> Page:
        return self.rss2(SITE_NAME, "أخبار سوريا والعالم العربي لحظة بلحظة", self.articles, self.feed_path)

    # -- chrome ------------------------------------------------------------------------------
    def most_read(self) -> str:
        ranked = sorted(self.articles, key=lambda a: (int(re.sub(r"\D", "", a.url_path)) * 7919) % 101)[:5]
        rows = "".join(f'<li><a href="{e(self.abs(a.url_path))}">{e(a.title)}</a></li>' for a in ranked)
        return f'<div class="side-box most-read"><div class="side-title">الأكثر قراءة</div><ol>{rows}</ol></div>'

    def layout(self, title: str, main: str, charset: str = "utf-8") -> str:
        nav = " | ".join(f'<a href="{e(self.abs(f"/cat/{slug}.html"))}">{name}</a>' for slug, name in SECTIONS.items())
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" dir="rtl" lang="ar">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
            f"<title>{e(title)} - {SITE_NAME}</title>\n"
            f'<link href="{e(self.abs("/style.css"))}" rel="stylesheet" type="text/css" />\n</head>\n'
            '<body>\n<div id="wrapper">\n<div id="top-bar"><span class="site-logo">'
            f'<a href="{e(self.abs("/"))}">{SITE_NAME}</a></span>'
            f'<form action="{e(self.abs("/search.php"))}" method="get"><input type="text" name="q" />'
            '<input type="submit" value="بحث" /></form></div>\n'
            f'<div id="nav"><a href="{e(self.abs("/"))}">الرئيسية</a> | {nav}</div>\n'
            '<div id="content" class="clearfix">\n'
            f'<div class="main-col" style="float:right;width:70%">\n{main}\n</div>\n'
            f'<div class="side-col" style="float:left;width:250px">{self.most_read()}</div>\n</div>\n'
            f'<div id="footer">جميع الحقوق محفوظة &copy; {SITE_NAME} 2017 | '
            f'<a href="{e(self.abs("/private/admin.php"))}">الإدارة</a></div>\n</div>\n</body>\n</html>\n'
        )

    # -- pages -------------------------------------------------------------------------------
    def article(self, a: SampleArticle, charset: str) -> str:
        text = "<br /><br />\n".join(e(p) for p in a.body)
        if a.republished_from:
            dw = self.base_urls["dw"].rstrip("/") + a.republished_from
            text += f'<br /><br />\n{TRAILER_TEXT} <a href="{e(dw)}" target="_blank">{TRAILER_LINK}</a>'
            source = "دوتش فيله"
        else:
            source = "، ".join(a.agencies) or SITE_NAME
        authors = f' | <span class="news-author">{e("، ".join(a.authors))}</span>' if a.authors else ""
        main = (
            '<div class="news-box">\n<div class="path"><a href="'
            f'{e(self.abs(f"/cat/{section_slug(a.section)}.html"))}">{e(a.section)}</a></div>\n'
            f'<h2 class="news-title">{e(a.title)}</h2>\n<div class="news-info"><span class="news-date">'
            f'{arabic_date(a)}</span> | <span class="news-source">المصدر: {e(source)}</span>{authors}</div>\n'
            f'<div class="news-text">\n{text}\n</div>\n'
            '<div class="news-tools"><a href="javascript:window.print()">طباعة</a> | '
            '<a href="#" class="send-friend">أرسل لصديق</a></div>\n</div>'
        )
        return self.layout(a.title, main, charset)

    def listing(self, heading: str, items: list[SampleArticle], slug: str, num: int, more: bool) -> str:
        rows = "".join(
            f'\n<tr><td class="list-date">{arabic_date(a)}</td><td class="list-title">'
            f'<a href="{e(self.abs(a.url_path))}">{e(a.title)}</a>'
            f'<div class="list-brief">{e(teaser(a))}</div></td></tr>'
            for a in items
        )
        paging = ""
        if slug and (more or num > 1):
            def at(n: int) -> str:
                return e(self.abs(f"/cat/{slug}.html" if n == 1 else f"/cat/{slug}-p{n}.html"))
            prev = f'<a class="paging-prev" href="{at(num - 1)}">الصفحة السابقة</a> ' if num > 1 else ""
            nxt = f' <a class="paging-next" href="{at(num + 1)}">الصفحة التالية</a>' if more else ""
            paging = f'\n<div class="paging">{prev}<b>{num}</b>{nxt}</div>'
        return self.layout(heading, f'<h1 class="list-heading">{e(heading)}</h1>\n<table class="news-list">{rows}\n'
                                    f"</table>{paging}")
