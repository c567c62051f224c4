"""The ``dw`` sample site, shaped like DW Arabic (dw.com/ar): a modern component markup with the date
in JSON-LD, an Atom feed, query-string pagination, gzip for clients that accept it, and a PDF served
at an article URL.
"""

from __future__ import annotations

import json
import re

from samples.catalog import SampleArticle
from samples.common import Page, SiteBase, e, html_page, page_number, paginate, teaser, xml_page
from samples.pdf import minimal_pdf

SITE_NAME = "DW عربية"
# slug, content id, Arabic name
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("politics", "s-9106", "سياسة"),
    ("economy", "s-9107", "اقتصاد"),
    ("culture", "s-9108", "ثقافة ومجتمع"),
    ("science", "s-9109", "علوم وصحة"),
    ("sport", "s-9110", "رياضة"),
)
_ARTICLE = re.compile(r"^/ar/[a-z0-9-]+/a-\d+$")
_SECTION = re.compile(r"^/ar/([a-z]+)/(s-\d+)$")


def section_path(name: str) -> str:
    slug, sid, _ = next((s for s in SECTIONS if s[2] == name), SECTIONS[0])
    return f"/ar/{slug}/{sid}"


def visible_date(a: SampleArticle) -> str:
    return a.published_dt.strftime("%d.%m.%Y")


def credit_line(a: SampleArticle) -> str:
    """DW closes a story with editors' initials and the agencies: «ع.ج/ ح.ز (د.ب.أ، رويترز)»."""
    if a.byline:
        return a.byline
    return f"ع.ج/ ح.ز ({'، '.join(a.agencies)})" if a.agencies else ""


class DwSite(SiteBase):
    name = "dw"
    publication = SITE_NAME
    robots_disallow = ("/private/", "/ar/search")
    sitemap_index_path = "/sitemap-index.xml"
    sitemap_paths = ("/ar/sitemap-articles.xml", "/ar/news-sitemap.xml")
    feed_path = "/atom/ar-all.xml"
    gzip = True

    def route_html(self, path: str, query: str) -> Page | None:
        if path == "/":
            body = f'<a href="{e(self.abs("/ar/"))}">العربية</a> <a href="{e(self.abs("/en/"))}">English</a>'
            return html_page(self.layout("DW", f'<main class="language-switch">{body}</main>'))
        if path == "/ar/":
            return html_page(self.listing("الصفحة الرئيسية", self.articles[:8], "", 1, False))
        if _ARTICLE.match(path) and path in self.by_path:
            art = self.by_path[path]
            if "non_html" in art.flags:
                body = minimal_pdf(art.pdf_text or ("DW",), title=art.title)
                return Page(200, "application/pdf", body, art.modified_dt, True)
            return html_page(self.article(art), article=art)
        if m := _SECTION.match(path):
            sec = next((s for s in SECTIONS if s[0] == m.group(1) and s[1] == m.group(2)), None)
            if sec is None:
                return None
            num = page_number(query)
            items, more = paginate([a for a in self.articles if a.section == sec[2]], num)
            return html_page(self.listing(sec[2], items, path, num, more)) if items else None
        if path.startswith("/private/") or path == "/ar/search":
            return html_page(self.layout("غير متاح", '<main class="content-area"><p>غير متاح.</p></main>'))
        return None

    def feed(self) -> Page:
        """Atom 1.0 (the one sample site that does not use RSS)."""
        entries = []
        for a in self.articles:
            kind = "application/pdf" if "non_html" in a.flags else "text/html"
            author = "".join(f"<author><name>{e(n)}</name></author>" for n in a.authors) or \
                f"<author><name>{SITE_NAME}</name></author>"
            entries.append(
                f"\n  <entry>\n    <title>{e(a.title)}</title>\n"
                f'    <link rel="alternate" type="{kind}" href="{e(self.abs(a.url_path))}"/>\n'
                f"    <id>tag:dw.sample,2017:{a.url_path.rsplit('/', 1)[-1]}</id>\n"
                f"    <published>{a.published}</published>\n    <updated>{a.modified or a.published}</updated>\n"
                f'    <category term="{e(a.section)}"/>\n    {author}\n'
                f"    <summary>{e(teaser(a))}</summary>\n  </entry>"
            )
        updated = self.newest.isoformat() if self.newest else ""
        text = (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">\n'
            f"  <title>{SITE_NAME}</title>\n  <subtitle>أخبار وتحليلات من ألمانيا والعالم</subtitle>\n"
            f"  <id>{e(self.abs('/ar/'))}</id>\n  <updated>{updated}</updated>\n"
            f'  <link rel="self" type="application/atom+xml" href="{e(self.abs(self.feed_path))}"/>\n'
            f'  <link rel="alternate" type="text/html" href="{e(self.abs("/ar/"))}"/>{"".join(entries)}\n</feed>\n'
        )
        return xml_page(text, "application/atom+xml; charset=utf-8")

    # -- chrome ------------------------------------------------------------------------------
    def layout(self, title: str, main: str, head_extra: str = "") -> str:
        nav = "".join(
            f'<li class="nav-item"><a class="nav-link" href="{e(self.abs(f"/ar/{slug}/{sid}"))}">{name}</a></li>'
            for slug, sid, name in SECTIONS
        )
        follow = "".join(
            f'<li><a class="social-link social-{k}" href="https://www.{k}.com/dw.arabic" rel="noopener">'
            f"{label}</a></li>"
            for k, label in (("facebook", "فيسبوك"), ("twitter", "تويتر"), ("youtube", "يوتيوب"))
        )
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{e(title)} | {SITE_NAME}</title>\n{head_extra}</head>\n"
            '<body class="dw-page rtl lang-ar">\n<div id="root"><div class="app-shell">\n'
            '<header class="masthead"><div class="masthead__inner">'
            f'<a class="brand-logo" href="{e(self.abs("/ar/"))}" aria-label="DW"><svg class="logo-svg" '
            'viewBox="0 0 60 30" aria-hidden="true"><text x="0" y="24">DW</text></svg></a>'
            f'<nav class="navigation" aria-label="الأقسام"><ul class="nav-list">{nav}'
            f'<li class="nav-item nav-item--more"><a class="nav-link" href="{e(self.abs("/ar/"))}">المزيد</a></li>'
            f'</ul></nav><a class="search-toggle" href="{e(self.abs("/ar/search"))}">بحث</a></div></header>\n'
            f"{main}\n"
            f'<footer class="page-footer"><section class="follow-us"><h2 class="follow-us__title">تابعونا</h2>'
            f'<ul class="follow-us__list">{follow}</ul></section>'
            '<nav class="footer-links"><ul>'
            f'<li><a href="{e(self.abs("/ar/about/s-1"))}">من نحن</a></li>'
            f'<li><a href="{e(self.abs("/private/newsroom/"))}">غرفة الأخبار</a></li></ul></nav>'
            '<p class="imprint">&copy; 2017 Deutsche Welle | حماية البيانات | إمكانية الوصول | بيانات النشر</p>'
            "</footer>\n</div></div>\n</body>\n</html>\n"
        )

    def json_ld(self, a: SampleArticle) -> str:
        authors = [{"@type": "Person", "name": n} for n in a.authors] or \
            [{"@type": "Organization", "name": "Deutsche Welle"}]
        data = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "mainEntityOfPage": self.abs(a.url_path), "headline": a.title, "description": teaser(a),
            "datePublished": a.published, "dateModified": a.modified or a.published,
            "articleSection": a.section, "inLanguage": "ar", "author": authors,
            "keywords": ", ".join(a.tags),
            "publisher": {"@type": "Organization", "name": "Deutsche Welle",
                          "logo": {"@type": "ImageObject", "url": self.abs("/images/dw-logo.png")}},
        }
        text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
        return f'<script type="application/ld+json">\n{text}\n</script>\n'

    def article(self, a: SampleArticle) -> str:
        url = e(self.abs(a.url_path))
        head = (
            f'<meta name="description" content="{e(teaser(a))}">\n<link rel="canonical" href="{url}">\n'
            f'<meta property="og:title" content="{e(a.title)}">\n<meta property="og:url" content="{url}">\n'
            f'<meta property="og:site_name" content="{SITE_NAME}">\n<meta property="og:type" content="article">\n'
            f"{self.json_ld(a)}"
        )
        authors = "".join(f'<span class="author-name">{e(n)}</span>' for n in a.authors)
        author_box = f'<div class="author-details">{authors}</div>' if authors else ""
        credit = credit_line(a)
        paras = "".join(f"\n<p>{e(p)}</p>" for p in a.body)
        paras += f'\n<p class="credit-initials">{e(credit)}</p>' if credit else ""
        others = sorted((x for x in self.articles if x is not a), key=lambda x: x.section != a.section)[:4]
        related = "".join(
            f'<li class="related-list__item"><a class="teaser-link" href="{e(self.abs(x.url_path))}">'
            f'<span class="teaser-kicker">{e(x.section)}</span><h3 class="teaser-title">{e(x.title)}</h3></a></li>'
            for x in others
        )
        main = (
            '<main class="content-area" id="main-content">\n'
            f'<article class="article-page" data-content-id="{a.url_path.rsplit("-", 1)[-1]}">\n'
            f'<header class="article-head"><a class="kicker" href="{e(self.abs(section_path(a.section)))}">'
            f'{e(a.section)}</a><h1 class="headline">{e(a.title)}</h1>\n<div class="meta-line">{author_box}'
            f'<time class="publication-date" datetime="{a.published}">{visible_date(a)}</time></div></header>\n'
            f'<div class="rich-text article-body">{paras}\n</div>\n'
            '<footer class="article-foot"><div class="share-bar"><span class="share-bar__label">شارك الخبر</span>'
            f'<a class="share-link" href="https://www.facebook.com/sharer.php?u={url}">فيسبوك</a>'
            f'<a class="share-link" href="https://twitter.com/intent/tweet?url={url}">تويتر</a></div></footer>\n'
            '</article>\n<section class="related-content"><h2 class="related-content__title">المزيد</h2>'
            f'<ul class="related-list">{related}</ul></section>\n</main>'
        )
        return self.layout(a.title, main, head)

    def listing(self, heading: str, items: list[SampleArticle], path: str, num: int, more: bool) -> str:
        cards = "".join(
            f'\n<div class="teaser-card"><a class="teaser-link" href="{e(self.abs(a.url_path))}">'
            f'<span class="teaser-kicker">{e(a.section)}</span><h2 class="teaser-title">{e(a.title)}</h2></a>'
            f'<p class="teaser-text">{e(teaser(a))}</p><time class="teaser-date">{visible_date(a)}</time></div>'
            for a in items
        )
        pager = ""
        if path and (more or num > 1):
            prev = f'<a class="pager__prev" rel="prev" href="{e(self.abs(f"{path}?page={num - 1}"))}">السابق</a>' \
                if num > 1 else ""
            nxt = f'<a class="pager__next" rel="next" href="{e(self.abs(f"{path}?page={num + 1}"))}">المزيد من ' \
                  "المواضيع</a>" if more else ""
            current = f'<span class="pager__current">{num}</span>'
            pager = f'\n<nav class="pager" aria-label="الصفحات">{prev}{current}{nxt}</nav>'
        main = (
            f'<main class="content-area section-page"><h1 class="section-title">{e(heading)}</h1>'
            f'<div class="teaser-grid">{cards}\n</div>{pager}\n</main>'
        )
        return self.layout(heading, main)
